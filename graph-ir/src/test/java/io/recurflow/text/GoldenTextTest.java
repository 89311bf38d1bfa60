package io.recurflow.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.recurflow.testing.Golden;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** Golden text files; run with {@code -Drecurflow.updateGolden=true} to rewrite them after a deliberate change. */
class GoldenTextTest {
    @Test
    void elmanRnnMatchesGoldenFile() throws IOException {
        String text = GraphPrinter.print(SampleGraphs.elman());
        Golden.check("elman_rnn.rfg", text);
        assertEquals(SampleGraphs.elman(), GraphParser.parse(Golden.read("elman_rnn.rfg"), "elman_rnn.rfg"));
    }
}
