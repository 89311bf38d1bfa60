package io.recurflow.codegen.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.recurflow.runtime.cl.Devices;
import io.recurflow.runtime.cl.NoOpenClException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Every GEMM variant against the double-precision reference, on odd shapes, all kernels in one program. */
class GemmKernelTest {
    private static final int A_OFF = 3;
    private static final int B_OFF = 5;
    private static final int BIAS_OFF = 2;
    private static final int C_OFF = 7;
    private static final int INIT_OFF = 1;
    private static final int P_OFF = 4;
    private static final float SENTINEL = -12345.5f;

    /** One launch: the kernel's plan and the launch's rows; for step rows, batch x steps rows from step t0. */
    record Case(GemmPlan plan, int m, int batch, int t0, int d, int seqLen) {
        GemmSpec spec() {
            return plan.spec();
        }

        @Override
        public String toString() {
            GemmSpec s = spec();
            return s.name() + " " + m + "x" + s.n() + "x" + s.k() + " tB=" + s.transposeB() + " packed=" + s.packedB()
                    + " bias=" + s.bias() + " " + s.act() + " " + s.rowMode() + " mask=" + s.maskRows()
                    + (s.usesLengths() ? " batch=" + batch + " t0=" + t0 : "") + (s.rowMode().isStep() ? " d=" + d : "")
                    + (plan.chunks() > 1 ? " chunks=" + plan.chunks() : "");
        }
    }

    private static final class Names {
        private int next;

        String next() {
            return "g" + next++;
        }
    }

    /** A shape: n, k, the chunk limit, and the row counts run on it. */
    private record Shape(int n, int k, int kcMax, int... rows) {
    }

    // The brief's odd shapes, a k cut into three chunks (by a 16-float chunk limit) and a single 16-wide panel.
    // Work-groups of up to 16 rows take the dot-product path when B is [n, k] and unpacked, so each such
    // shape also has a row count whose groups are larger.
    private static final Shape S1 = new Shape(1, 1, GemmPlan.DEFAULT_KC_MAX, 1);
    private static final Shape S13 = new Shape(13, 5, GemmPlan.DEFAULT_KC_MAX, 7, 13);
    private static final Shape S65 = new Shape(65, 17, GemmPlan.DEFAULT_KC_MAX, 33, 200);
    private static final Shape S1024 = new Shape(1024, 256, GemmPlan.DEFAULT_KC_MAX, 1, 200);
    private static final Shape CHUNKED = new Shape(40, 37, 16, 29);
    private static final Shape S16 = new Shape(16, 33, GemmPlan.DEFAULT_KC_MAX, 26);

    /**
     * Kernels are compiled at their first launch (~0.4 s each on PoCL), so the variants are spread over
     * the shapes rather than crossed with them: both B layouts, packed and not, on every shape; each
     * activation, bias, masking and step mode on at least two shapes.
     */
    static List<Case> cases() {
        Names names = new Names();
        List<Case> cases = new ArrayList<>();
        for (Shape sh : List.of(S13, S65, S1024)) {
            for (boolean tb : new boolean[] {false, true}) {
                for (boolean packed : new boolean[] {false, true}) {
                    plain(cases, sh, new GemmSpec(names.next(), sh.n(), sh.k(), tb, false, Activation.NONE, RowMode.PLAIN, false, packed));
                }
            }
        }
        plain(cases, S1, new GemmSpec(names.next(), 1, 1, false, false, Activation.NONE, RowMode.PLAIN, false, false));
        plain(cases, S1, new GemmSpec(names.next(), 1, 1, true, false, Activation.NONE, RowMode.PLAIN, false, true));
        plain(cases, CHUNKED, new GemmSpec(names.next(), 40, 37, false, false, Activation.NONE, RowMode.PLAIN, false, false));
        plain(cases, CHUNKED, new GemmSpec(names.next(), 40, 37, true, false, Activation.NONE, RowMode.PLAIN, false, true));
        plain(cases, S16, new GemmSpec(names.next(), 16, 33, false, false, Activation.NONE, RowMode.PLAIN, false, true));
        plain(cases, S16, new GemmSpec(names.next(), 16, 33, true, false, Activation.NONE, RowMode.PLAIN, false, false));

        plain(cases, S1, new GemmSpec(names.next(), 1, 1, false, true, Activation.NONE, RowMode.PLAIN, false, false));
        plain(cases, S65, new GemmSpec(names.next(), 65, 17, true, true, Activation.SIGMOID, RowMode.PLAIN, false, false));
        plain(cases, S13, new GemmSpec(names.next(), 13, 5, false, true, Activation.TANH, RowMode.PLAIN, true, false));
        plain(cases, CHUNKED, new GemmSpec(names.next(), 40, 37, true, true, Activation.RELU, RowMode.PLAIN, true, true));
        plain(cases, S1024, new GemmSpec(names.next(), 1024, 256, true, true, Activation.TANH, RowMode.PLAIN, true, false));

        step(cases, S65, new GemmSpec(names.next(), 65, 17, false, false, Activation.NONE, RowMode.STEP, false, false));
        step(cases, S13, new GemmSpec(names.next(), 13, 5, false, true, Activation.TANH, RowMode.STEP, true, false));
        step(cases, S1024, new GemmSpec(names.next(), 1024, 256, true, false, Activation.NONE, RowMode.STEP_INIT, false, true));
        step(cases, CHUNKED, new GemmSpec(names.next(), 40, 37, true, true, Activation.SIGMOID, RowMode.STEP_INIT, true, false));
        step(cases, S1, new GemmSpec(names.next(), 1, 1, false, true, Activation.RELU, RowMode.STEP_INIT, true, true));
        return cases;
    }

    /** Launches of a PLAIN spec over each row count of its shape; masked ones see 3 sequences from step 1. */
    private static void plain(List<Case> cases, Shape sh, GemmSpec s) {
        for (int m : sh.rows()) {
            cases.add(new Case(GemmPlan.of(s, sh.kcMax()), m, 3, 1, 0, 0));
        }
    }

    /**
     * Launches of a step spec: both directions at steps 0, 1 and the last (reading steps -1, 0, 2 forward and
     * 1, 2, 4 in reverse: before, at and past the ends of sequences), and one two-step launch.
     */
    private static void step(List<Case> cases, Shape sh, GemmSpec s) {
        GemmPlan plan = GemmPlan.of(s, sh.kcMax());
        int batch = sh.rows()[0] == 1 ? 1 : sh.n() == 65 ? 14 : 5;
        int seqLen = 4;
        for (int d : new int[] {1, -1}) {
            for (int t : new int[] {0, 1, seqLen - 1}) {
                cases.add(new Case(plan, batch, batch, t, d, seqLen));
            }
        }
        // Two steps in one launch, as a component with two steps in flight would run them.
        cases.add(new Case(plan, 2 * batch, batch, 1, 2, seqLen));
    }

    @Test
    void kernelsMatchTheReference() {
        GemmHarness cl;
        try {
            Devices.list();
            cl = new GemmHarness();
        } catch (NoOpenClException e) {
            System.err.println("\n*** SKIPPING GemmKernelTest: no OpenCL device. " + e.getMessage() + " ***\n");
            Assumptions.abort("no OpenCL device: " + e.getMessage());
            return;
        }
        try (GemmHarness h = cl) {
            List<Case> cases = cases();
            Map<String, GemmPlan> kernels = new LinkedHashMap<>();
            for (Case c : cases) {
                kernels.put(c.spec().name(), c.plan());
            }
            StringBuilder source = new StringBuilder();
            for (GemmPlan plan : kernels.values()) {
                source.append(GemmKernel.source(plan));
                if (plan.spec().packedB()) {
                    source.append(GemmEmitter.pack(plan));
                }
            }
            cl_program program = h.build(source.toString());
            Random random = new Random(42);
            List<String> failures = new ArrayList<>();
            for (Case c : cases) {
                String failure = check(h, program, c, random);
                if (failure != null) {
                    failures.add(c + ": " + failure);
                }
            }
            if (!failures.isEmpty()) {
                fail(failures.size() + " of " + cases.size() + " launches differ:\n" + String.join("\n", failures));
            }
        }
    }

    /** Runs one case and returns what is wrong with its result, or null. */
    private static String check(GemmHarness h, cl_program program, Case c, Random random) {
        GemmSpec s = c.spec();
        int n = s.n();
        int k = s.k();
        int aRows = s.rowMode().isStep() ? c.seqLen() * c.batch() : c.m();
        float[] a = randoms(random, A_OFF + aRows * k);
        float[] b = randoms(random, B_OFF + n * k);
        float[] bias = randoms(random, BIAS_OFF + n);
        float[] init = randoms(random, INIT_OFF + c.batch() * k);
        int[] lengths = new int[c.batch()];
        for (int i = 0; i < lengths.length; i++) {
            // Lengths from 0 to the full length, so that every launch has valid, invalid and masked rows; a
            // batch wider than a tile has a tile of full-length sequences, which reads A in place.
            boolean full = i == 0 || c.batch() > c.plan().mr() && i < c.batch() - 2;
            lengths[i] = full ? Math.max(c.seqLen(), 2) : random.nextInt(Math.max(c.seqLen(), 2) + 1);
        }
        int t0 = c.t0();
        GemmReference.Launch launch = new GemmReference.Launch(c.m(), a, A_OFF, b, B_OFF, bias, BIAS_OFF, lengths, t0,
                c.batch(), c.d(), init, INIT_OFF);
        double[] expected = GemmReference.compute(s, launch);

        cl_mem bBuf = h.buffer(b);
        int bOff = B_OFF;
        if (s.packedB()) {
            float[] packed = new float[P_OFF + (int) GemmKernel.packedLength(s)];
            java.util.Arrays.fill(packed, Float.NaN);
            cl_mem p = h.buffer(packed);
            cl_kernel pack = h.kernel(program, GemmKernel.packName(s));
            h.setArgs(pack, List.of(bBuf, B_OFF, p, P_OFF));
            h.run(pack, GemmKernel.packGlobalSize(s), GemmKernel.packLocalSize(s));
            bBuf = p;
            bOff = P_OFF;
        }
        float[] cInit = new float[C_OFF + c.m() * n + 9];
        java.util.Arrays.fill(cInit, SENTINEL);
        cl_mem cBuf = h.buffer(cInit);
        List<Object> args = new ArrayList<>();
        for (ParamKind p : GemmKernel.params(s)) {
            args.add(switch (p) {
                case A -> h.buffer(a);
                case A_OFF -> A_OFF;
                case B -> bBuf;
                case B_OFF -> bOff;
                case BIAS -> h.buffer(bias);
                case BIAS_OFF -> BIAS_OFF;
                case C -> cBuf;
                case C_OFF -> C_OFF;
                case M -> c.m();
                case LENGTHS -> h.buffer(lengths);
                case T0 -> t0;
                case BATCH -> c.batch();
                case DELAY -> c.d();
                case INIT -> h.buffer(init);
                case INIT_OFF -> INIT_OFF;
                case PACKED, PACKED_OFF -> throw new AssertionError(p);
            });
        }
        cl_kernel kernel = h.kernel(program, s.name());
        h.setArgs(kernel, args);
        h.run(kernel, new long[] {c.plan().panels(), c.plan().rowGroups(c.m())}, GemmKernel.localSize(s, c.m()));
        float[] got = h.read(cBuf, cInit.length);

        double scale = 1e-30;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        double tolerance = 1e-4 * Math.max(scale, 1e-3);
        for (int i = 0; i < got.length; i++) {
            int e = i - C_OFF;
            if (e < 0 || e >= expected.length) {
                if (got[i] != SENTINEL) {
                    return "wrote outside C at element " + i;
                }
            } else if (!(Math.abs(got[i] - expected[e]) <= tolerance)) {
                return "C[" + e / n + ", " + e % n + "] = " + got[i] + ", expected " + expected[e] + " (tolerance "
                        + tolerance + ")";
            }
        }
        return null;
    }

    private static float[] randoms(Random random, int length) {
        float[] x = new float[length];
        for (int i = 0; i < length; i++) {
            x[i] = random.nextFloat() * 2 - 1;
        }
        return x;
    }

    @Test
    void parameterOrderIsDocumented() {
        GemmSpec all = new GemmSpec("g", 8, 8, true, true, Activation.TANH, RowMode.STEP_INIT, true);
        assertEquals(List.of(ParamKind.A, ParamKind.A_OFF, ParamKind.B, ParamKind.B_OFF, ParamKind.BIAS,
                ParamKind.BIAS_OFF, ParamKind.C, ParamKind.C_OFF, ParamKind.M, ParamKind.LENGTHS, ParamKind.T0,
                ParamKind.BATCH, ParamKind.DELAY, ParamKind.INIT, ParamKind.INIT_OFF), GemmKernel.params(all));
        GemmSpec plain = GemmSpec.plain("g", 8, 8, false);
        assertEquals(List.of(ParamKind.A, ParamKind.A_OFF, ParamKind.B, ParamKind.B_OFF, ParamKind.C, ParamKind.C_OFF,
                ParamKind.M), GemmKernel.params(plain));
        String src = GemmKernel.source(all);
        assertTrue(src.contains("void g(__global const float* restrict A, int a_off, __global const float* restrict B, "
                + "int b_off, __global const float* restrict bias, int bias_off, __global float* restrict C, int c_off, "
                + "int M, __global const int* restrict lengths, int t0, int batch, int d, "
                + "__global const float* restrict init, int init_off)"), src);
    }

    @Test
    void planSplitsRowsAndChunks() {
        GemmPlan big = GemmPlan.of(GemmSpec.plain("g", 1024, 1024, true));
        assertEquals(32, big.panels());
        assertEquals(1, big.chunks());
        assertEquals(3, big.rowGroups(1024));
        assertEquals(1, big.rowGroups(1));
        assertEquals(1024 * 32 * 4 + 12 * (1024 + 16) * 4 + 12 * 32 * 4, big.localBytes());
        assertEquals(12 * (1024 + 16) * 4 + 12 * 32 * 4, GemmPlan.of(big.spec().withPackedB(true)).localBytes());
        GemmPlan narrow = GemmPlan.of(GemmSpec.plain("g", 13, 5000, false));
        assertEquals(16, narrow.nr());
        assertEquals(2, narrow.chunks());
        assertTrue((narrow.chunks() - 1) * narrow.kc() < 5000 && narrow.chunks() * narrow.kc() >= 5000);
        assertEquals(16, narrow.rowGroups(1000), "one panel: rows split for 16 work-groups");
    }
}
