package io.recurflow.runtime.bundle;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * The seeded random inputs that {@code recurflow run} feeds a model, drawn here for a bundle's
 * {@code main}. A mirror of graph-ir's {@code io.recurflow.interp.RandomFeeds} (inputs only): the
 * runtime may not depend on graph-ir, so the generator is repeated, and a test in the tests module
 * checks that both give the same values for every sample's inputs.
 */
public final class RandomInputs {
    private RandomInputs() {
    }

    /**
     * Input {@code in} for sequences of {@code steps} steps (per-step inputs; static ones ignore it), as
     * a float[] or, for i32 inputs, an int[]. A per-step input's first {@code steps} rows equal those of a
     * longer draw, so a shorter sequence is a prefix.
     */
    public static Object draw(Manifest.Input in, long seed, int steps) {
        int count = 1;
        for (int i = in.perStep() ? 1 : 0; i < in.shape().length; i++) {
            count *= in.shape()[i];
        }
        if (in.perStep()) {
            count *= steps;
        }
        SplittableRandom r = stream(seed, in.name());
        Manifest.Random range = in.random();
        if (range.ids() > 0) {
            int[] ids = new int[count];
            for (int i = 0; i < count; i++) {
                ids[i] = r.nextInt(range.ids());
            }
            return ids;
        }
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            v[i] = (float) (range.lo() + (range.hi() - range.lo()) * r.nextDouble());
        }
        return v;
    }

    /** The stream of (seed, name): the seed mixed with the FNV-1a hash of the name, as RandomFeeds does. */
    private static SplittableRandom stream(long seed, String name) {
        long h = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ h);
    }
}
