package io.recurflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.recurflow.ir.Graph;
import io.recurflow.samples.ModelZoo;
import io.recurflow.testing.Golden;
import io.recurflow.text.GraphParser;
import io.recurflow.text.GraphPrinter;
import java.io.IOException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Golden IR text for each sample, and print → parse → print identity. */
class SampleTextTest {
    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "mlp.rfg; mlp:layers=2,hidden=8,input=4",
        "rnn.rfg; rnn:hidden=4,input=3",
        "lstm.rfg; lstm:hidden=4,input=3",
        "gru.rfg; gru:hidden=4,input=3",
        "lstm-stacked.rfg; lstm:layers=2,hidden=4,input=3,init=false",
        "lstm-bidirectional.rfg; lstm:layers=2,hidden=4,input=3,bidirectional=true"})
    void sampleTextIsGoldenAndRoundTrips(String file, String spec) throws IOException {
        Graph g = ModelZoo.build(spec);
        String text = GraphPrinter.print(g);
        Golden.check(file, text);
        Graph parsed = GraphParser.parse(text, file);
        assertEquals(g, parsed);
        assertEquals(text, GraphPrinter.print(parsed));
    }
}
