package io.recurflow.passes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.recurflow.dsl.GraphBuilder;
import io.recurflow.dsl.Value;
import io.recurflow.interp.ReferenceInterpreter;
import io.recurflow.interp.Tensor;
import io.recurflow.ir.Dim;
import io.recurflow.ir.Graph;
import io.recurflow.ir.Shape;
import io.recurflow.layers.Cell;
import io.recurflow.layers.Cells;
import io.recurflow.layers.RecurrentLayers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The differentiated layer library reproduces PyTorch 2.7.1's gradients (nn.LSTM / nn.GRU, 2 layers,
 * bidirectional, hidden 8, input 5, lengths 7, 4, 1, given initial states, loss sum(y · r)): every
 * gradient PyTorch reports, run on the reference interpreter, to 1e-4 relative to the tensor's
 * largest magnitude. The cases are copies of shared/testdata/pytorch.
 */
public class PytorchGradientTest {
    /** The agreement asked of every gradient, relative to the tensor's largest magnitude. */
    public static final double TOLERANCE = 1e-4;

    @ParameterizedTest
    @ValueSource(strings = {"lstm_bi_len", "gru_bi_len"})
    void reproducesPytorchGradients(String name) throws IOException {
        compareWithPytorch(name, (backward, feeds, lengths) -> new ReferenceInterpreter(backward).run(feeds, lengths));
    }

    /**
     * Builds case {@code name}'s network, differentiates it, runs the backward graph with {@code executor}
     * on PyTorch's weights, inputs and lengths, and asserts that every gradient agrees to {@link #TOLERANCE}.
     */
    public static void compareWithPytorch(String name, GradCheck.Executor executor) throws IOException {
        Map<String, Tensor> in = read(name + ".in.safetensors");
        Map<String, Tensor> expected = read(name + ".out.safetensors");
        Cell cell = name.startsWith("lstm") ? Cells.LSTM : Cells.GRU;

        GraphBuilder g = new GraphBuilder(name);
        Value x = g.input("x", 5);
        List<Value> initial = new ArrayList<>();
        for (String s : cell.states()) {
            initial.add(g.staticInput(s + "0", Shape.of(Dim.of(4), Dim.B, Dim.of(8))));
        }
        Value y = RecurrentLayers.stack(g, cell, x, 5, 8, 2, true, initial).output();
        g.output("loss", g.sumBatch(g.sumTime(g.sumAxis(g.mul(y, g.input("r", 16)), 1))));
        Graph forward = g.build();

        List<String> wrt = new ArrayList<>();
        for (String key : expected.keySet()) {
            if (key.startsWith("grad_")) {
                wrt.add(key.substring("grad_".length()));
            }
        }
        assertTrue(wrt.containsAll(List.of("x", "h0", "weight_ih_l1_reverse")), wrt.toString());
        Graph backward = Autodiff.gradients(forward, "loss", wrt);

        Map<String, Tensor> feeds = new LinkedHashMap<>();
        for (String feed : forward.feeds().keySet()) {
            feeds.put(feed, in.get(feed));
        }
        int[] lengths = Arrays.stream(in.get("lengths").data()).mapToInt(d -> (int) d).toArray();
        assertArrayEquals(new int[] {7, 4, 1}, lengths);
        Map<String, Tensor> actual = executor.run(backward, feeds, lengths);

        StringBuilder report = new StringBuilder(name + ": error relative to the largest magnitude\n");
        double worst = 0;
        List<String> compared = new ArrayList<>(List.of("loss"));
        for (String w : wrt) {
            compared.add(Autodiff.gradientName(w));
        }
        for (String out : compared) {
            Tensor a = actual.get(out);
            Tensor e = expected.get(out);
            assertNotNull(a, out);
            assertArrayEquals(e.shape(), a.shape(), out);
            double err = relativeToLargest(a.data(), e.data());
            worst = Math.max(worst, err);
            report.append(String.format("  %-26s %.2e%n", out, err));
        }
        System.out.print(report.append(String.format("  worst %.2e%n", worst)));
        assertTrue(worst <= TOLERANCE, report.toString());
        assertEquals(expected.keySet().stream().filter(k -> k.startsWith("grad_")).count() + 1, compared.size());
    }

    /** max |a − e| / max |e|. */
    private static double relativeToLargest(double[] a, double[] e) {
        double maxErr = 0;
        double maxRef = 0;
        for (int i = 0; i < e.length; i++) {
            maxErr = Math.max(maxErr, Math.abs(a[i] - e[i]));
            maxRef = Math.max(maxRef, Math.abs(e[i]));
        }
        return maxErr / Math.max(maxRef, Double.MIN_NORMAL);
    }

    /** A safetensors file: 8-byte little-endian header length, JSON header, raw little-endian F32 / I64 data. */
    private static Map<String, Tensor> read(String resource) throws IOException {
        byte[] bytes;
        try (InputStream s = PytorchGradientTest.class.getResourceAsStream("/pytorch/" + resource)) {
            assertNotNull(s, resource);
            bytes = s.readAllBytes();
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = Math.toIntExact(buf.getLong(0));
        JsonNode header = new ObjectMapper().readTree(new String(bytes, 8, headerLength, StandardCharsets.UTF_8));
        int base = 8 + headerLength;
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : header.properties()) {
            if (entry.getKey().equals("__metadata__")) {
                continue;
            }
            JsonNode t = entry.getValue();
            int[] shape = new int[t.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = t.get("shape").get(i).asInt();
            }
            int start = base + t.get("data_offsets").get(0).asInt();
            double[] data = new double[Tensor.count(shape)];
            String dtype = t.get("dtype").asText();
            for (int i = 0; i < data.length; i++) {
                data[i] = switch (dtype) {
                    case "F32" -> buf.getFloat(start + 4 * i);
                    case "I64" -> buf.getLong(start + 8 * i);
                    default -> throw new IOException(resource + ": tensor " + entry.getKey() + " has dtype " + dtype);
                };
            }
            tensors.put(entry.getKey(), new Tensor(shape, data));
        }
        return tensors;
    }
}
