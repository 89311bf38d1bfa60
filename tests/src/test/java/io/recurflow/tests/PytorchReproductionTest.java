package io.recurflow.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.runtime.safetensors.HostTensor;
import io.recurflow.runtime.safetensors.SafeTensors;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The layer library reproduces PyTorch 2.7.1's own nn.LSTM / nn.GRU results (2 layers, bidirectional,
 * unequal lengths 7, 4, 1, given initial states), through the command line a user would type:
 * {@code run MODEL --weights F --inputs F --dump OUT}. The cases are copies of shared/testdata/pytorch.
 */
class PytorchReproductionTest {
    @TempDir
    Path tmp;

    private Path resource(String name) throws IOException {
        Path p = tmp.resolve(name);
        try (InputStream in = getClass().getResourceAsStream("/pytorch/" + name)) {
            Files.copy(in, p);
        }
        return p;
    }

    @ParameterizedTest
    @CsvSource({"lstm_bi_len, lstm, 'y,h_n,c_n', reference", "gru_bi_len, gru, 'y,h_n', reference",
        "lstm_bi_len, lstm, 'y,h_n,c_n', naive", "gru_bi_len, gru, 'y,h_n', naive",
        "lstm_bi_len, lstm, 'y,h_n,c_n', batched", "gru_bi_len, gru, 'y,h_n', batched",
        "lstm_bi_len, lstm, 'y,h_n,c_n', scheduled", "gru_bi_len, gru, 'y,h_n', scheduled"})
    void reproducesPytorch(String name, String cell, String outputs, String mode) throws IOException {
        if (!mode.equals("reference")) {
            OpenCl.session();
        }
        Path in = resource(name + ".in.safetensors");
        Path expectedFile = resource(name + ".out.safetensors");
        Path dump = tmp.resolve(name + ".recurflow.safetensors");
        Cli r = Cli.run("run", cell + ":layers=2,hidden=8,input=5,bidirectional=true", "--mode", mode,
                "--weights", in.toString(), "--inputs", in.toString(), "--dump", dump.toString());
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("lengths [7, 4, 1]"), r.out());
        SafeTensors actual = SafeTensors.read(dump);
        SafeTensors expected = SafeTensors.read(expectedFile);
        for (String out : List.of(outputs.split(","))) {
            HostTensor a = actual.get(out);
            HostTensor e = expected.get(out);
            assertArrayEquals(e.shape(), a.shape(), out);
            double err = relativeError(a.toFloatArray(), e.toFloatArray());
            assertTrue(err <= 1e-5, name + " " + mode + " " + out + ": max error relative to the largest magnitude " + err);
        }
    }

    /** max |a − e| / max |e|: the error measure of every comparison against a reference. */
    static double relativeError(float[] a, float[] e) {
        double maxErr = 0;
        double maxRef = 0;
        for (int i = 0; i < e.length; i++) {
            maxErr = Math.max(maxErr, Math.abs((double) a[i] - e[i]));
            maxRef = Math.max(maxRef, Math.abs(e[i]));
        }
        return maxErr / Math.max(maxRef, Float.MIN_NORMAL);
    }
}
