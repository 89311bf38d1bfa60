package io.recurflow.codegen.kernels;

import java.util.ArrayList;
import java.util.List;

/**
 * Generates a shape-specialised GEMM kernel ({@link GemmSpec}) and tells how to launch it.
 *
 * <p>Parameters, in this order (every float buffer is followed by its element offset):
 * <pre>
 *   A, a_off, B, b_off, [bias, bias_off], C, c_off, M,
 *   [lengths, t0, batch]     when the rows are STEP or STEP_INIT, or maskRows
 *   [d]                      when STEP or STEP_INIT
 *   [init, init_off]         when STEP_INIT
 * </pre>
 * {@code A, B, bias, init} are {@code __global const float*}, {@code C} is {@code __global float*},
 * {@code lengths} is {@code __global const int*}, and the rest are {@code int}. With packedB, B holds the
 * panels written by the pack kernel ({@link #packSource(GemmSpec)}, parameters {@code B, b_off, P, p_off}).
 *
 * <p>The kernels are shaped for CPU OpenCL (PoCL): one work-item per work-group, so that PoCL runs each
 * work-group as a plain function and the explicit float16 code maps onto AVX-512 registers. Work-item
 * (jp, g) owns the panel of columns [32 jp, 32 jp + 32) and the g-th range of rows (see {@link GemmPlan}):
 * <ol>
 *   <li>the panel of B, {@code [k][32]}, is copied into local memory (B as [k, n]: row copies; as [n, k]:
 *       4 x 4 transposes), or read in place when packedB;</li>
 *   <li>rows go in register tiles of 12 x 32 (24 float16 accumulators: one A element broadcast against two
 *       B vectors per row and k), reading A in place when the 12 rows are consecutive rows of A, else
 *       after gathering them into local memory (step rows, initial states, zero rows, the last few rows,
 *       which take 4-row tiles);</li>
 *   <li>the epilogue adds the bias, applies the activation, zeroes masked rows and stores, lane by lane
 *       only in a last panel narrower than 32.</li>
 * </ol>
 * Work-groups of at most 16 rows with B as [n, k], unpacked, skip the transposed copy and take dot
 * products along k from B's rows (the one-step recurrent product at small batch). k above 4096 is cut into
 * chunks whose partial sums pass through C. Launch with {@link #globalSize} and {@link #localSize}.
 */
public final class GemmKernel {
    private GemmKernel() {
    }

    /** The OpenCL C source of the kernel named {@code spec.name()}; sources of several specs may be concatenated. */
    public static String source(GemmSpec spec) {
        return GemmEmitter.kernel(GemmPlan.of(spec));
    }

    /** As {@link #source(GemmSpec)} under an explicit plan (tests use small k chunks to reach the chunked path). */
    static String source(GemmPlan plan) {
        return GemmEmitter.kernel(plan);
    }

    /** The kernel's parameters in order. */
    public static List<ParamKind> params(GemmSpec spec) {
        List<ParamKind> p = new ArrayList<>(List.of(ParamKind.A, ParamKind.A_OFF, ParamKind.B, ParamKind.B_OFF));
        if (spec.bias()) {
            p.add(ParamKind.BIAS);
            p.add(ParamKind.BIAS_OFF);
        }
        p.addAll(List.of(ParamKind.C, ParamKind.C_OFF, ParamKind.M));
        if (spec.usesLengths()) {
            p.addAll(List.of(ParamKind.LENGTHS, ParamKind.T0, ParamKind.BATCH));
        }
        if (spec.rowMode().isStep()) {
            p.add(ParamKind.DELAY);
        }
        if (spec.rowMode() == RowMode.STEP_INIT) {
            p.add(ParamKind.INIT);
            p.add(ParamKind.INIT_OFF);
        }
        return List.copyOf(p);
    }

    /** The global size of a launch over {@code m} rows: column panels by row groups. */
    public static long[] globalSize(GemmSpec spec, int m) {
        GemmPlan plan = GemmPlan.of(spec);
        return new long[] {plan.panels(), plan.rowGroups(m)};
    }

    /** The local size: one work-item per work-group, as the kernel requires. */
    public static long[] localSize(GemmSpec spec, int m) {
        return new long[] {1, 1};
    }

    /** The source of {@code spec.name() + "_pack"}, which writes B in the layout a packedB kernel of this shape reads. */
    public static String packSource(GemmSpec spec) {
        return GemmEmitter.pack(GemmPlan.of(spec));
    }

    /** The pack kernel's name. */
    public static String packName(GemmSpec spec) {
        return spec.name() + "_pack";
    }

    /** The pack kernel's parameters: B, b_off (B as transposeB says), P, p_off (the panels). */
    public static List<ParamKind> packParams(GemmSpec spec) {
        return List.of(ParamKind.B, ParamKind.B_OFF, ParamKind.PACKED, ParamKind.PACKED_OFF);
    }

    /** The pack kernel's global size: one work-item per panel and 16 k. */
    public static long[] packGlobalSize(GemmSpec spec) {
        GemmPlan plan = GemmPlan.of(spec);
        return new long[] {plan.panels(), GemmPlan.ceilDiv(spec.k(), 16)};
    }

    /** The pack kernel's local size. */
    public static long[] packLocalSize(GemmSpec spec) {
        return new long[] {1, 1};
    }

    /** Floats of the packed panels: {@code panels * k * nr}, columns past n being zero. */
    public static long packedLength(GemmSpec spec) {
        GemmPlan plan = GemmPlan.of(spec);
        return (long) plan.panels() * spec.k() * plan.nr();
    }
}
