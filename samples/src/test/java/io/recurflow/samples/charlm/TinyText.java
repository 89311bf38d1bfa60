package io.recurflow.samples.charlm;

import io.recurflow.interp.Tensor;
import io.recurflow.ir.Graph;
import io.recurflow.train.OptimizerSpec;
import io.recurflow.train.ReferenceStepEngine;
import java.util.Random;

/** Small texts and models for the char-lm tests: vocab about 10, hidden 8, at most 8 steps. */
final class TinyText {
    private TinyText() {
    }

    /** Sentences of 2–9 words of the letters a–e, seeded, ending in '.', '!' or '?' and a space or line break. */
    static String sentences(int count, long seed) {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder();
        for (int s = 0; s < count; s++) {
            int words = 1 + r.nextInt(3);
            for (int w = 0; w < words; w++) {
                int len = 1 + r.nextInt(3);
                for (int k = 0; k < len; k++) {
                    sb.append((char) ('a' + r.nextInt(5)));
                }
                if (w + 1 < words) {
                    sb.append(' ');
                }
            }
            sb.append(".!?".charAt(r.nextInt(3))).append(s % 4 == 3 ? '\n' : ' ');
        }
        return sb.toString();
    }

    static CharLm.Config model(Vocab v) {
        return new CharLm.Config(v.size(), 8, 1);
    }

    static ReferenceStepEngine engine(CharLm.Config c, CharLm.Variant variant, OptimizerSpec spec) {
        Graph g = CharLm.build(c, variant);
        return new ReferenceStepEngine(g, spec, CharLm.initialParameters(c, 7));
    }

    static void assertClose(Tensor a, Tensor b, double tol, String what) {
        double[] x = a.data();
        double[] y = b.data();
        org.junit.jupiter.api.Assertions.assertEquals(x.length, y.length, what);
        for (int i = 0; i < x.length; i++) {
            org.junit.jupiter.api.Assertions.assertEquals(x[i], y[i], tol, what + "[" + i + "]");
        }
    }
}
