package io.recurflow.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.recurflow.codegen.CompiledModel;
import io.recurflow.codegen.Lowering;
import io.recurflow.codegen.Mode;
import io.recurflow.codegen.bundle.BundleWriter;
import io.recurflow.dsl.GraphBuilder;
import io.recurflow.dsl.Value;
import io.recurflow.interp.RandomFeeds;
import io.recurflow.interp.Tensor;
import io.recurflow.ir.Graph;
import io.recurflow.runtime.bundle.Manifest;
import io.recurflow.runtime.bundle.RandomInputs;
import io.recurflow.samples.ModelZoo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The runtime's mirror of RandomFeeds draws the same inputs, so a bundle's main feeds what `run` feeds. */
class RandomInputsTest {
    static List<Graph> graphs() {
        List<Graph> gs = new ArrayList<>();
        for (String name : ModelZoo.NAMES) {
            gs.add(ModelZoo.build(name));
            if (!name.equals("mlp")) {
                gs.add(ModelZoo.build(name + ":layers=2,hidden=6,input=3,bidirectional=true"));
            }
        }
        // an id input: an embedding of tokens
        GraphBuilder g = new GraphBuilder("embed");
        Value ids = g.inputIds("tokens");
        g.output("e", g.embedding(ids, g.param("table", 11, 4)));
        gs.add(g.build());
        return gs;
    }

    @Test
    void everySampleInputEqualsRandomFeeds() {
        int batch = 3;
        int steps = 4;
        for (Graph g : graphs()) {
            CompiledModel m = Lowering.lower(g, Mode.BATCHED, batch, steps);
            List<Manifest.Input> inputs = BundleWriter.inputs(m);
            assertFalse(inputs.isEmpty(), g.name());
            for (long seed : new long[] {0, 5, -3}) {
                Map<String, Tensor> expected = RandomFeeds.generate(g, seed, batch, steps);
                for (Manifest.Input in : inputs) {
                    Object v = RandomInputs.draw(in, seed, steps);
                    double[] want = expected.get(in.name()).data();
                    double[] got = v instanceof int[] ? Arrays.stream((int[]) v).asDoubleStream().toArray()
                            : toDoubles((float[]) v);
                    assertArrayEquals(want, got, 0, g.name() + " " + in.name() + " seed " + seed);
                    if (in.perStep()) {
                        // a shorter draw is the prefix of RandomFeeds' draw for that length
                        Object shorter = RandomInputs.draw(in, seed, 2);
                        double[] want2 = RandomFeeds.generate(g, seed, batch, 2).get(in.name()).data();
                        double[] got2 = shorter instanceof int[] ? Arrays.stream((int[]) shorter).asDoubleStream().toArray()
                                : toDoubles((float[]) shorter);
                        assertArrayEquals(want2, got2, 0, g.name() + " " + in.name() + " 2 steps");
                    }
                }
            }
        }
        assertEquals(11, BundleWriter.inputs(Lowering.lower(graphs().get(graphs().size() - 1), Mode.BATCHED, 1, 1))
                .get(0).random().ids());
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
