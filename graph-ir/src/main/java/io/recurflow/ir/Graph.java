package io.recurflow.ir;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable generalized recurrent graph: the computation of one time step as a flat list of nodes
 * (node {@code i} has id {@code i}), plus the nodes that are the graph's outputs.
 *
 * <p>Construction checks structure only (ids, unique names, operands that exist); {@link Verifier}
 * checks meaning (shapes, cycles).
 */
public final class Graph {
    private final String name;
    private final List<Node> nodes;
    private final List<Integer> outputs;
    private final Map<String, Integer> byName;

    public Graph(String name, List<Node> nodes, List<Integer> outputs) {
        this.name = name;
        this.nodes = List.copyOf(nodes);
        this.outputs = List.copyOf(outputs);
        Map<String, Integer> names = new HashMap<>();
        for (int i = 0; i < this.nodes.size(); i++) {
            Node n = this.nodes.get(i);
            if (n.id() != i) {
                throw new GraphException("node %" + n.name() + " has id " + n.id() + " at position " + i);
            }
            if (names.put(n.name(), i) != null) {
                throw new GraphException("two nodes are named %" + n.name());
            }
        }
        for (Node n : this.nodes) {
            for (Operand o : n.operands()) {
                checkRef(n, o.source());
                if (o.hasInit()) {
                    checkRef(n, o.init());
                }
            }
        }
        for (int o : this.outputs) {
            if (o < 0 || o >= this.nodes.size()) {
                throw new GraphException("output refers to node " + o + ", which does not exist");
            }
        }
        this.byName = Collections.unmodifiableMap(names);
    }

    private void checkRef(Node user, int ref) {
        if (ref < 0 || ref >= nodes.size()) {
            throw new GraphException("node %" + user.name() + " has an operand " + ref + " that does not exist");
        }
    }

    public String name() {
        return name;
    }

    public List<Node> nodes() {
        return nodes;
    }

    public int size() {
        return nodes.size();
    }

    public Node node(int id) {
        return nodes.get(id);
    }

    /** The node called {@code name}, or null. */
    public Node node(String nodeName) {
        Integer id = byName.get(nodeName);
        return id == null ? null : nodes.get(id);
    }

    public List<Integer> outputs() {
        return outputs;
    }

    public List<Node> outputNodes() {
        List<Node> r = new ArrayList<>();
        for (int o : outputs) {
            r.add(nodes.get(o));
        }
        return r;
    }

    /** Nodes with the given op, in id order. */
    public List<Node> nodesOf(Op op) {
        List<Node> r = new ArrayList<>();
        for (Node n : nodes) {
            if (n.op() == op) {
                r.add(n);
            }
        }
        return r;
    }

    /** Everything that has to be fed to run the graph (inputs, static inputs, parameters), by name. */
    public Map<String, Node> feeds() {
        Map<String, Node> r = new LinkedHashMap<>();
        for (Node n : nodes) {
            if (n.op() == Op.INPUT || n.op() == Op.STATIC_INPUT || n.op() == Op.PARAM) {
                r.put(n.name(), n);
            }
        }
        return r;
    }

    /** A copy with other nodes and outputs. */
    public Graph replace(List<Node> newNodes, List<Integer> newOutputs) {
        return new Graph(name, newNodes, newOutputs);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Graph g && g.name.equals(name) && g.nodes.equals(nodes) && g.outputs.equals(outputs);
    }

    @Override
    public int hashCode() {
        return nodes.hashCode() * 31 + outputs.hashCode();
    }

    @Override
    public String toString() {
        return "Graph " + name + " (" + nodes.size() + " nodes)";
    }
}
