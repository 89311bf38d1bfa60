package io.recurflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.codegen.CompiledModel;
import io.recurflow.codegen.Lowering;
import io.recurflow.codegen.Mode;
import io.recurflow.codegen.UnsupportedGraphException;
import io.recurflow.ir.Graph;
import io.recurflow.samples.ModelZoo;
import io.recurflow.scc.schedule.Task;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The scheduled mode with the batch split into S streams equals the reference interpreter, with
 * unequal lengths in every stream, whether the cost model runs the recurrences step by step (one
 * chain per stream) or as one launch shared by the streams.
 */
class StreamsDifferentialTest {
    private static final int[] LENGTHS = {6, 3, 1, 5};

    /** Step by step, one chain per stream; with {@code shared}, also the one-launch plan that the streams share. */
    @ParameterizedTest(name = "{0} S={1} K={2}")
    @CsvSource(delimiter = ';', value = {
        "rnn:hidden=12,input=5; 1; 1; false", "rnn:hidden=12,input=5; 2; 2; false",
        "lstm:hidden=12,input=5; 2; 1; false", "gru:hidden=12,input=5; 2; 2; false",
        "lstm:layers=2,hidden=8,input=5,init=false; 1; 2; false",
        "lstm:layers=2,hidden=8,input=5,init=false; 2; 1; false",
        "lstm:layers=2,hidden=8,input=5,init=false; 2; 2; true",
        "lstm:layers=2,hidden=8,input=5,init=false; 2; 4; false",
        "gru:layers=2,hidden=8,input=5,bidirectional=true; 2; 2; false",
        "lstm:layers=2,hidden=8,input=5,bidirectional=true; 2; 1; true",
        "lstm:layers=2,hidden=8,input=5,bidirectional=true; 4; 2; false"})
    void streamsMatchReference(String spec, int streams, int queues, boolean shared) {
        Graph g = ModelZoo.build(spec);
        DifferentialTest.assertMatchesReference(g, Mode.SCHEDULED, LENGTHS, 6, 11,
                new Lowering.Options(queues, 4, DifferentialTest.STEP_BY_STEP.costs(), streams));
        if (shared) {
            DifferentialTest.assertMatchesReference(g, Mode.SCHEDULED, LENGTHS, 6, 11,
                    new Lowering.Options(queues, 4, DifferentialTest.ONE_LAUNCH.costs(), streams));
        }
    }

    @Test
    void stepByStepRecurrencesGetOneChainPerStream() {
        Graph g = ModelZoo.build("lstm:layers=2,hidden=8,input=5,bidirectional=true");
        CompiledModel c = Lowering.lower(g, Mode.SCHEDULED, 4, 6,
                new Lowering.Options(2, 4, DifferentialTest.STEP_BY_STEP.costs(), 2));
        int[] perStream = new int[2];
        for (Task t : c.tasks().tasks()) {
            boolean recurrent = c.tasks().component(t).isRecurrent();
            assertEquals(!recurrent, t.isShared(), t.label());
            if (!t.isShared()) {
                perStream[t.stream()]++;
            }
        }
        // four recurrences (two layers, two directions) of six steps, in each stream
        assertEquals(4 * 6, perStream[0]);
        assertEquals(4 * 6, perStream[1]);
        assertTrue(c.program().run().stream().anyMatch(i -> i.toString().contains("lengths of stream 1")),
                "the stream lengths are filled");
    }

    @Test
    void aBatchNotDividedByTheStreamsIsRefusedNamingBoth() {
        Graph g = ModelZoo.build("lstm:hidden=8,input=5");
        UnsupportedGraphException e = assertThrows(UnsupportedGraphException.class, () -> Lowering.lower(g,
                Mode.SCHEDULED, 5, 4, Lowering.Options.DEFAULT.withStreams(2)));
        assertTrue(e.getMessage().contains("batch of 5") && e.getMessage().contains("2 streams"), e.getMessage());
    }
}
