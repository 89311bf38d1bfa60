package io.recurflow.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.recurflow.ir.Graph;
import io.recurflow.ir.GraphException;
import io.recurflow.ir.Operand;
import org.junit.jupiter.api.Test;

class GraphBuilderTest {
    @Test
    void recurrenceTakesItsDeclaredNameAndResolvesItsDelayedReads() {
        GraphBuilder g = new GraphBuilder("r");
        Value x = g.input("x", 2);
        Recurrent h = g.recurrent("h", 2);
        Value t = g.tanh(g.add(x, h.prev()));
        h.define(t);
        g.output(h);
        Graph graph = g.build();
        assertEquals("h", graph.node(graph.outputs().get(0)).name());
        Operand read = graph.node("add_0").operand(1);
        assertEquals(graph.node("h").id(), read.source());
        assertEquals(1, read.delay());
    }

    @Test
    void renamingADefinedRecurrenceRenamesItsNode() {
        GraphBuilder g = new GraphBuilder("r");
        Value x = g.input("x", 2);
        Recurrent h = g.recurrent("h", 2);
        h.define(g.add(x, h.prev()));
        g.output("y", h);
        Graph graph = g.build();
        assertNotNull(graph.node("y"));
        assertNull(graph.node("h"));
        assertEquals(graph.node("y").id(), graph.node("y").operand(1).source());
    }

    @Test
    void namesAreUniqueAndWellFormed() {
        GraphBuilder g = new GraphBuilder("n");
        g.input("x", 1);
        assertThrows(GraphException.class, () -> g.input("x", 1));
        assertThrows(GraphException.class, () -> g.input("bad name", 1));
    }

    @Test
    void scopesPrefixAutomaticNames() {
        GraphBuilder g = new GraphBuilder("s");
        Value x = g.input("x", 1);
        Value t;
        try (GraphBuilder.Scope ignored = g.scope("layer")) {
            t = g.tanh(x);
        }
        assertEquals("layer.tanh_0", t.name());
    }
}
