package io.recurflow.scc.schedule;

import io.recurflow.ir.Graph;
import io.recurflow.testing.Golden;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * The schedule listings of a bidirectional and of a stacked LSTM on two queues, as golden files: a
 * change to the task graph, the list scheduler's order or its events shows up as a reviewed diff.
 * Four steps, the device-free {@link Nets#COSTS}, acyclic work in two chunks of steps (so that the
 * stacked layer's wavefront shows).
 */
class GoldenScheduleTest {
    private static String listing(Graph g) {
        TaskGraph t = TaskGraph.build(Nets.scc(g), 4, 1, TaskOptions.DEFAULT.withChunks(2));
        Schedule s = ListScheduler.schedule(t, Nets.COSTS, 2);
        ScheduleVerifier.verify(t, s);
        return SchedulePrinter.print(t, s);
    }

    @Test
    void bidirectionalLstmOnTwoQueues() throws IOException {
        Golden.check("schedule_lstm_bidirectional_k2.txt", listing(Nets.lstm(1, true)));
    }

    @Test
    void stackedLstmOnTwoQueues() throws IOException {
        Golden.check("schedule_lstm_stacked_k2.txt", listing(Nets.lstm(2, false)));
    }
}
