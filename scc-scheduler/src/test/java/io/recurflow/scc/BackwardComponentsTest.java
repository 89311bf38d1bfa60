package io.recurflow.scc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.recurflow.dsl.GraphBuilder;
import io.recurflow.dsl.Value;
import io.recurflow.ir.Graph;
import io.recurflow.layers.RecurrentLayers;
import io.recurflow.passes.Autodiff;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The backward graph of a recurrent layer is scheduled like any graph: its recurrences run the other way. */
class BackwardComponentsTest {
    private static ComponentKind kindOf(SccResult scc, Graph g, String node) {
        int id = g.node(node).id();
        return scc.components().stream().filter(c -> c.contains(id)).findFirst().orElseThrow().kind();
    }

    @Test
    void eachDirectionsGradientRecursTheOtherWay() {
        GraphBuilder g = new GraphBuilder("bi_lstm");
        Value x = g.input("x", 4);
        Value y = RecurrentLayers.stack(g, io.recurflow.layers.Cells.LSTM, x, 4, 8, 1, true, null).output();
        g.output("loss", g.sumBatch(g.sumTime(g.sumAxis(g.mul(y, g.input("r", 16)), 1))));
        Graph backward = Autodiff.gradients(g.build(), "loss", List.of("x", "weight_hh_l0", "weight_hh_l0_reverse"));
        SccResult scc = SccAnalysis.analyze(backward);
        assertEquals(ComponentKind.RECURRENT_FORWARD, kindOf(scc, backward, "lstm_l0.h"));
        assertEquals(ComponentKind.RECURRENT_REVERSE, kindOf(scc, backward, "lstm_l0_reverse.h"));
        assertEquals(ComponentKind.RECURRENT_REVERSE, kindOf(scc, backward, "grad.lstm_l0.h"));
        assertEquals(ComponentKind.RECURRENT_REVERSE, kindOf(scc, backward, "grad.lstm_l0.c"));
        assertEquals(ComponentKind.RECURRENT_FORWARD, kindOf(scc, backward, "grad.lstm_l0_reverse.h"));
        assertEquals(ComponentKind.RECURRENT_FORWARD, kindOf(scc, backward, "grad.lstm_l0_reverse.c"));
    }
}
