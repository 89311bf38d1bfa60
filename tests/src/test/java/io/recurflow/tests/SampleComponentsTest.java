package io.recurflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.dsl.GraphBuilder;
import io.recurflow.dsl.Recurrent;
import io.recurflow.dsl.Value;
import io.recurflow.ir.Graph;
import io.recurflow.samples.ModelZoo;
import io.recurflow.scc.Component;
import io.recurflow.scc.ComponentKind;
import io.recurflow.scc.SccAnalysis;
import io.recurflow.scc.SccResult;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The SCC classification of the library's own layers, as the samples build them. */
class SampleComponentsTest {
    private static List<Component> recurrent(SccResult r) {
        return r.components().stream().filter(Component::isRecurrent).toList();
    }

    @Test
    void mlpIsAllBatched() {
        SccResult r = SccAnalysis.analyze(ModelZoo.build("mlp:layers=3"));
        assertTrue(r.components().stream().allMatch(c -> c.kind() == ComponentKind.BATCHED));
    }

    @ParameterizedTest
    @ValueSource(strings = {"rnn", "lstm", "gru"})
    void eachCellIsOneForwardRecurrentComponent(String cell) {
        Graph g = ModelZoo.build(cell + ":hidden=8,input=4");
        List<Component> rec = recurrent(SccAnalysis.analyze(g));
        assertEquals(1, rec.size());
        assertEquals(ComponentKind.RECURRENT_FORWARD, rec.get(0).kind());
        assertEquals(1, rec.get(0).inFlight());
        // the loop holds the hidden state (the output y) and, for LSTM, the cell state; the input
        // projection stays outside it, in a batched component
        List<String> names = rec.get(0).nodes().stream().map(id -> g.node(id).name()).toList();
        assertTrue(names.contains("y"), names.toString());
        int x = g.node("x").id();
        io.recurflow.ir.Node inputProjection = g.nodes().stream()
                .filter(n -> n.op() == io.recurflow.ir.Op.MATMUL && n.operand(0).source() == x).findFirst().orElseThrow();
        assertFalse(rec.get(0).contains(inputProjection.id()), names.toString());
        assertEquals(cell.equals("lstm"), names.contains("lstm_l0.c"), names.toString());
        assertFalse(names.stream().anyMatch(n -> n.startsWith("weight")), names.toString());
    }

    @Test
    void stackedLstmIsTwoRecurrentComponentsInAChain() {
        SccResult r = SccAnalysis.analyze(ModelZoo.build("lstm:layers=2,hidden=8,input=4"));
        List<Component> rec = recurrent(r);
        assertEquals(2, rec.size());
        assertTrue(r.reaches(rec.get(0).index(), rec.get(1).index()));
        assertFalse(r.reaches(rec.get(1).index(), rec.get(0).index()));
    }

    @Test
    void bidirectionalLstmHasIndependentForwardAndReverseComponents() {
        SccResult r = SccAnalysis.analyze(ModelZoo.build("lstm:hidden=8,input=4,bidirectional=true"));
        List<Component> rec = recurrent(r);
        assertEquals(2, rec.size());
        assertEquals(List.of(ComponentKind.RECURRENT_FORWARD, ComponentKind.RECURRENT_REVERSE),
                rec.stream().map(Component::kind).sorted().toList());
        assertFalse(r.reaches(rec.get(0).index(), rec.get(1).index()));
        assertFalse(r.reaches(rec.get(1).index(), rec.get(0).index()));
    }

    @Test
    void twoLayerBidirectionalLstmHasFourRecurrentComponents() {
        SccResult r = SccAnalysis.analyze(ModelZoo.build("lstm:layers=2,hidden=8,input=4,bidirectional=true"));
        List<Component> rec = recurrent(r);
        assertEquals(4, rec.size());
        // both layer-0 directions feed both layer-1 directions
        for (Component lower : rec.subList(0, 2)) {
            for (Component upper : rec.subList(2, 4)) {
                assertTrue(r.reaches(lower.index(), upper.index()));
            }
        }
    }

    @Test
    void delayTwoRecurrenceHasTwoStepsInFlight() {
        GraphBuilder g = new GraphBuilder("skip");
        Value x = g.input("x", 4);
        Recurrent h = g.recurrent("h", 4);
        h.define(g.tanh(g.add(x, g.matmulT(h.delayed(2), g.param("w", 4, 4)))));
        g.output(h);
        List<Component> rec = recurrent(SccAnalysis.analyze(g.build()));
        assertEquals(1, rec.size());
        assertEquals(2, rec.get(0).inFlight());
    }
}
