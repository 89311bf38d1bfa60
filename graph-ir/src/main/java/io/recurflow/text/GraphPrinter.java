package io.recurflow.text;

import io.recurflow.ir.Attrs;
import io.recurflow.ir.Graph;
import io.recurflow.ir.Node;
import io.recurflow.ir.Operand;
import java.util.Map;

/**
 * Prints a {@link Graph} in the text form that {@link GraphParser} reads: one node per line in id
 * order, every node with its full type, so the output is byte-stable and round-trips exactly.
 */
public final class GraphPrinter {
    private GraphPrinter() {
    }

    public static String print(Graph g) {
        StringBuilder sb = new StringBuilder();
        sb.append("graph ").append(word(g.name())).append(" {\n");
        for (Node n : g.nodes()) {
            sb.append("  ");
            appendNode(sb, g, n);
            sb.append('\n');
        }
        if (!g.outputs().isEmpty()) {
            sb.append("  outputs ");
            for (int i = 0; i < g.outputs().size(); i++) {
                if (i > 0) {
                    sb.append(", ");
                }
                sb.append('%').append(nodeName(g.node(g.outputs().get(i)).name()));
            }
            sb.append('\n');
        }
        return sb.append("}\n").toString();
    }

    /** One node's line without indentation or newline, e.g. for error messages and debugging. */
    public static String printNode(Graph g, Node n) {
        StringBuilder sb = new StringBuilder();
        appendNode(sb, g, n);
        return sb.toString();
    }

    private static void appendNode(StringBuilder sb, Graph g, Node n) {
        sb.append('%').append(nodeName(n.name())).append(" = ").append(n.op().textName()).append('(');
        for (int i = 0; i < n.operands().size(); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            appendOperand(sb, g, n.operand(i));
        }
        sb.append(')');
        appendAttrs(sb, n.attrs());
        sb.append(" : ").append(n.dtype().textName()).append(n.shape());
        if (n.axis() != null) {
            sb.append(" @").append(word(n.axis()));
        }
    }

    private static void appendOperand(StringBuilder sb, Graph g, Operand o) {
        sb.append('%').append(nodeName(g.node(o.source()).name()));
        if (o.delay() == 0 && !o.hasInit()) {
            return;
        }
        sb.append("[t");
        // A delay-0 read with an initial value is invalid (the verifier says why), but it still prints.
        if (o.delay() != 0) {
            sb.append(o.delay() > 0 ? '-' : '+').append(Math.abs((long) o.delay()));
        }
        if (o.hasInit()) {
            sb.append(", init=%").append(nodeName(g.node(o.init()).name()));
        }
        sb.append(']');
    }

    private static void appendAttrs(StringBuilder sb, Attrs attrs) {
        if (attrs.isEmpty()) {
            return;
        }
        sb.append(" {");
        boolean first = true;
        for (Map.Entry<String, Object> e : attrs.asMap().entrySet()) {
            if (!first) {
                sb.append(", ");
            }
            first = false;
            sb.append(word(e.getKey())).append('=').append(attrValue(e.getValue()));
        }
        sb.append('}');
    }

    /** Attrs holds only these four types; Double.toString round-trips exactly and spells NaN and Infinity. */
    static String attrValue(Object v) {
        if (v instanceof String s) {
            return quote(s);
        }
        if (v instanceof Long || v instanceof Double || v instanceof Boolean) {
            return v.toString();
        }
        throw new IllegalArgumentException("unsupported attribute value " + v);
    }

    /** A node name as written after '%': bare when it uses only name characters, quoted otherwise. */
    static String nodeName(String name) {
        if (name.isEmpty()) {
            return quote(name);
        }
        for (int i = 0; i < name.length(); i++) {
            if (!Lexer.isNameChar(name.charAt(i))) {
                return quote(name);
            }
        }
        return name;
    }

    /** A graph name, attribute key or axis: bare when it lexes as one word, quoted otherwise. */
    static String word(String s) {
        if (s.isEmpty() || !Lexer.isWordStart(s.charAt(0))) {
            return quote(s);
        }
        return nodeName(s);
    }

    /** A double-quoted string; control characters and surrogates are escaped so any file encoding keeps them. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f || Character.isSurrogate(c)) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
