package io.recurflow.tests;

import io.recurflow.codegen.Mode;
import io.recurflow.ir.Graph;
import io.recurflow.scc.RandomGraphs;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random generalized recurrent graphs (forward and reverse recurrences of delays 1 to 3, initial
 * values, time reductions broadcast back over the steps) through the OpenCL modes equal the
 * reference interpreter, with unequal lengths.
 */
class RandomGraphDifferentialTest {
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
    void everyModeMatchesTheReference(long seed) {
        Graph g = RandomGraphs.generate(seed);
        int[] lengths = {5, 2, 4};
        DifferentialTest.assertMatchesReference(g, Mode.BATCHED, lengths, 5, seed);
        DifferentialTest.assertMatchesReference(g, Mode.NAIVE, lengths, 5, seed);
        DifferentialTest.assertMatchesReference(g, Mode.SCHEDULED, lengths, 5, seed,
                seed % 2 == 0 ? DifferentialTest.ONE_LAUNCH : DifferentialTest.STEP_BY_STEP);
    }
}
