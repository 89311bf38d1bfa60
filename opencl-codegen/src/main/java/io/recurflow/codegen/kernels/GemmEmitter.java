package io.recurflow.codegen.kernels;

import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;

/** Prints the OpenCL C of a {@link GemmPlan}; it decides nothing that the plan has not decided. */
final class GemmEmitter {
    /** Opens the program prelude; guarded so that several GEMM kernels can share one program source. */
    static final String PRELUDE = """
            #ifndef RECURFLOW_FLOAT16U
            #define RECURFLOW_FLOAT16U
            /* float16 at 4-byte alignment: vector loads and stores at any element offset. */
            typedef float16 __attribute__((aligned(4))) rf_float16u;
            #endif
            """;

    private final GemmPlan plan;
    private final GemmSpec spec;
    private final StringBuilder out = new StringBuilder();
    private int depth;

    private GemmEmitter(GemmPlan plan) {
        this.plan = plan;
        this.spec = plan.spec();
    }

    /** The GEMM kernel, prelude included. */
    static String kernel(GemmPlan plan) {
        GemmEmitter e = new GemmEmitter(plan);
        e.out.append(PRELUDE).append('\n');
        e.emitKernel();
        return e.out.toString();
    }

    /** The kernel that writes B in the panel layout a packedB kernel reads, prelude included. */
    static String pack(GemmPlan plan) {
        GemmEmitter e = new GemmEmitter(plan);
        e.out.append(PRELUDE).append('\n');
        e.emitPack();
        return e.out.toString();
    }

    // ---- the GEMM kernel ------------------------------------------------------------------------------

    private void emitKernel() {
        int nr = plan.nr();
        int vn = plan.vectors();
        int mr = plan.mr();
        int ms = plan.ms();
        line("/* " + describe() + " */");
        signature(spec.name(), GemmKernel.params(spec));
        open("");
        if (!spec.packedB()) {
            line("__local float16 bp[" + plan.kc() * vn + "]; /* the B panel, [kc][" + nr + "] */");
            line("__local float* const bpf = (__local float*)bp;");
        }
        line("__local float16 at[" + mr * plan.kcStride() / 16 + "]; /* gathered A rows, [" + mr + "]["
                + plan.kcStride() + "] */");
        line("__local float* const atf = (__local float*)at;");
        line("__local float16 ct[" + mr * vn + "]; /* a tile's sums, [" + mr + "][" + nr + "], for the epilogue */");
        line("const int jp = get_global_id(0);");
        line("const int j0 = jp * " + nr + ";");
        line("const int groups = get_global_size(1);");
        line("/* rows [r0, r1) of this work-group, whole large tiles but for the last group */");
        line("const int per = ((M + groups - 1) / groups + " + (mr - 1) + ") / " + mr + " * " + mr + ";");
        line("const int r0 = get_global_id(1) * per;");
        line("const int r1 = min(M, r0 + per);");
        line("if (r0 >= r1) return;");
        if (spec.bias()) {
            line("__global const float* const bsrc = bias + bias_off + j0;");
            line(vectorDecls("bias", ""));
            byPanel(() -> {
                for (int v = 0; v < vn; v++) {
                    line("bias" + v + " = " + loadVector("bsrc", v, "__global const rf_float16u") + ";");
                }
            }, () -> {
                for (int v = 0; v < vn; v++) {
                    line("bias" + v + " = " + edgeVector("bsrc", v) + ";");
                }
            });
        }
        open("for (int k0 = 0; k0 < " + spec.k() + "; k0 += " + plan.kc() + ")");
        line("const int kc = min(" + plan.kc() + ", " + spec.k() + " - k0);");
        if (spec.packedB()) {
            line("__global const float* const pb = B + b_off + ((long)jp * " + spec.k() + " + k0) * " + nr + ";");
        } else {
            line("/* copy the panel: contiguous for the inner loop, zero past column n */");
            packPanel("bpf", "__local float16");
        }
        open("for (int r = r0; r < r1; )");
        line("const int left = r1 - r;");
        line("int n;");
        directRow();
        open("if (arow >= 0)");
        line("/* " + mr + " consecutive rows of A, read in place */");
        line("__global const float* const ap = A + a_off + (long)arow * " + spec.k() + " + k0;");
        microKernel(mr, "ap", spec.k());
        line("n = " + mr + ";");
        closeElse();
        open("if (left > " + 2 * ms + ")");
        line("n = min(" + mr + ", left);");
        gather(mr);
        microKernel(mr, "atf", plan.kcStride());
        closeElse();
        line("n = min(" + ms + ", left);");
        gather(ms);
        microKernel(ms, "atf", plan.kcStride());
        close();
        close();
        epilogue();
        line("r += n;");
        close();
        close();
        close();
    }

    private String describe() {
        String b = spec.transposeB() ? "B[" + spec.n() + ", " + spec.k() + "]^T" : "B[" + spec.k() + ", " + spec.n() + "]";
        String sum = "A[M, " + spec.k() + "] . " + b + (spec.bias() ? " + bias" : "");
        String value = spec.act() == Activation.NONE ? sum : spec.act().name().toLowerCase(Locale.ROOT) + "(" + sum + ")";
        return spec.name() + ": C[M, " + spec.n() + "] = " + value + "; rows " + spec.rowMode()
                + (spec.maskRows() ? ", masked past each sequence's end" : "")
                + (spec.packedB() ? "; B packed by " + spec.name() + "_pack" : "")
                + ". Tiles " + plan.mr() + " and " + plan.ms() + " x " + plan.nr() + ", k chunk " + plan.kc()
                + (plan.chunks() > 1 ? " (" + plan.chunks() + " chunks, partial sums in C)" : "");
    }

    /**
     * Declares {@code arow}: the row of A that tile row 0 reads when the next {@code mr} rows are all
     * consecutive rows of A (read in place, no gather), else -1.
     */
    private void directRow() {
        int mr = plan.mr();
        if (spec.rowMode() == RowMode.PLAIN) {
            line("const int arow = left >= " + mr + " ? r : -1;");
            return;
        }
        line("int arow = -1;");
        line("/* rows of one step whose reads are all valid are consecutive rows of A */");
        open("if (left >= " + mr + " && r % batch + " + mr + " <= batch)");
        line("const int b0 = r % batch;");
        line("const int s = t0 + r / batch - d;");
        line("int valid = s >= 0;");
        line("for (int i = 0; i < " + mr + "; i++) valid = valid && s < lengths[b0 + i];");
        line("if (valid) arow = s * batch + b0;");
        close();
    }

    /** Copies the rows of a tile of {@code rows} rows into the local A tile; rows past n or with a zero state are zeros. */
    private void gather(int rows) {
        int stride = plan.kcStride();
        open("for (int i = 0; i < " + rows + "; i++)");
        line("__local float* const dst = atf + i * " + stride + ";");
        line("__global const float* src = 0;");
        open("if (i < n)");
        line("const int rr = r + i;");
        switch (spec.rowMode()) {
            case PLAIN -> line("src = A + a_off + (long)rr * " + spec.k() + " + k0;");
            case STEP, STEP_INIT -> {
                line("const int b = rr % batch;");
                line("const int s = t0 + rr / batch - d;");
                line("if (s >= 0 && s < lengths[b]) src = A + a_off + ((long)s * batch + b) * " + spec.k() + " + k0;");
                if (spec.rowMode() == RowMode.STEP_INIT) {
                    line("else src = init + init_off + (long)b * " + spec.k() + " + k0;");
                }
            }
        }
        close();
        open("if (src)");
        line("int k = 0;");
        line("for (; k + 16 <= kc; k += 16) *(__local float16*)(dst + k) = *(__global const rf_float16u*)(src + k);");
        line("for (; k < kc; k++) dst[k] = src[k];");
        closeElse();
        line("for (int k = 0; k < kc; k += 16) *(__local float16*)(dst + k) = (float16)(0.0f);");
        close();
        close();
    }

    /**
     * The register tile: {@code rows x nr} sums over the chunk, row i of A at {@code a[i * aStride + k]},
     * left in {@code ct} for the epilogue.
     */
    private void microKernel(int rows, String a, int aStride) {
        int vn = plan.vectors();
        for (int i = 0; i < rows; i++) {
            line(vectorDecls("acc" + i + "_", " = (float16)(0.0f)"));
        }
        open("for (int k = 0; k < kc; k++)");
        for (int v = 0; v < vn; v++) {
            String load = spec.packedB()
                    ? loadVector("pb + k * " + plan.nr(), v, "__global const rf_float16u")
                    : "bp[k * " + vn + (v == 0 ? "" : " + " + v) + "]";
            line("const float16 b" + v + " = " + load + ";");
        }
        line("float e;");
        for (int i = 0; i < rows; i++) {
            StringBuilder s = new StringBuilder("e = " + a + "[" + (i == 0 ? "" : i * aStride + " + ") + "k];");
            for (int v = 0; v < vn; v++) {
                s.append(' ').append(acc(i, v)).append(" = fma((float16)(e), b").append(v).append(", ").append(acc(i, v)).append(");");
            }
            line(s.toString());
        }
        close();
        for (int i = 0; i < rows; i++) {
            StringBuilder s = new StringBuilder();
            for (int v = 0; v < vn; v++) {
                s.append(v == 0 ? "" : " ").append("ct[").append(i * vn + v).append("] = ").append(acc(i, v)).append(';');
            }
            line(s.toString());
        }
    }

    /** Rows 0..n-1 of ct: earlier chunks' partial sums, bias, activation, mask, store. */
    private void epilogue() {
        int vn = plan.vectors();
        open("for (int i = 0; i < n; i++)");
        line("const int rr = r + i;");
        line("__global float* const dst = C + c_off + (long)rr * " + spec.n() + " + j0;");
        StringBuilder decl = new StringBuilder("float16 ");
        for (int v = 0; v < vn; v++) {
            decl.append(v == 0 ? "" : ", ").append("v").append(v).append(" = ct[i * ").append(vn).append(v == 0 ? "" : " + " + v).append(']');
        }
        line(decl.append(';').toString());
        if (plan.chunks() > 1) {
            open("if (k0 > 0)");
            line("/* continue the partial sums an earlier chunk left in C */");
            byPanel(() -> {
                for (int v = 0; v < vn; v++) {
                    line("v" + v + " += " + loadVector("dst", v, "__global const rf_float16u") + ";");
                }
            }, () -> {
                for (int v = 0; v < vn; v++) {
                    line("v" + v + " += " + edgeVector("dst", v) + ";");
                }
            });
            close();
            open("if (k0 + kc < " + spec.k() + ")");
            storeRow(v -> "v" + v);
            line("continue;");
            close();
        }
        for (int v = 0; v < vn; v++) {
            String x = "v" + v;
            if (spec.bias()) {
                line(x + " += bias" + v + ";");
            }
            switch (spec.act()) {
                case NONE -> { }
                case SIGMOID -> line(x + " = 1.0f / (1.0f + exp(-" + x + "));");
                case TANH -> line(x + " = tanh(" + x + ");");
                case RELU -> line(x + " = fmax(" + x + ", 0.0f);");
            }
        }
        if (spec.maskRows()) {
            StringBuilder zero = new StringBuilder();
            for (int v = 0; v < vn; v++) {
                zero.append(" v").append(v).append(" = (float16)(0.0f);");
            }
            line("if (t0 + rr / batch >= lengths[rr % batch]) {" + zero + " }");
        }
        storeRow(v -> "v" + v);
        close();
    }

    /** Stores a row of vectors at {@code dst}, lane by lane in the last panel when it is narrower. */
    private void storeRow(IntFunction<String> value) {
        int vn = plan.vectors();
        byPanel(() -> {
            for (int v = 0; v < vn; v++) {
                line("*(__global rf_float16u*)(dst" + (v == 0 ? "" : " + " + 16 * v) + ") = " + value.apply(v) + ";");
            }
        }, () -> {
            StringBuilder s = new StringBuilder();
            for (int j = 0; j < plan.lastWidth(); j++) {
                s.append(j == 0 ? "" : " ").append("dst[").append(j).append("] = ").append(value.apply(j / 16))
                        .append(".s").append(Integer.toHexString(j % 16)).append(';');
            }
            line(s.toString());
        });
    }

    // ---- packing ---------------------------------------------------------------------------------------

    private void emitPack() {
        line("/* " + spec.name() + "_pack: B " + (spec.transposeB() ? "[" + spec.n() + ", " + spec.k() + "]" : "[" + spec.k() + ", " + spec.n() + "]")
                + " into " + plan.panels() + " panels [" + spec.k() + "][" + plan.nr() + "], zero past column " + spec.n()
                + "; work-item (panel, 16 k) */");
        signature(spec.name() + "_pack", GemmKernel.packParams(spec));
        open("");
        line("const int jp = get_global_id(0);");
        line("const int j0 = jp * " + plan.nr() + ";");
        line("const int k0 = get_global_id(1) * 16;");
        line("if (k0 >= " + spec.k() + ") return;");
        line("const int kc = min(16, " + spec.k() + " - k0);");
        line("__global float* const dst = P + p_off + ((long)jp * " + spec.k() + " + k0) * " + plan.nr() + ";");
        packPanel("dst", "__global rf_float16u");
        close();
    }

    /**
     * Copies columns [j0, j0 + nr) and k [k0, k0 + kc) of B into {@code dst} as [kc][nr]; {@code vectorType}
     * is the pointer type of vector stores into dst.
     */
    private void packPanel(String dst, String vectorType) {
        int nr = plan.nr();
        int vn = plan.vectors();
        if (!spec.transposeB()) {
            open("for (int k = 0; k < kc; k++)");
            line("__global const float* const src = B + b_off + (long)(k0 + k) * " + spec.n() + " + j0;");
            byPanel(() -> {
                for (int v = 0; v < vn; v++) {
                    line("*(" + vectorType + "*)(" + dst + " + k * " + nr + (v == 0 ? "" : " + " + 16 * v) + ") = "
                            + loadVector("src", v, "__global const rf_float16u") + ";");
                }
            }, () -> line("for (int jj = 0; jj < " + nr + "; jj++) " + dst + "[k * " + nr + " + jj] = jj < "
                    + plan.lastWidth() + " ? src[jj] : 0.0f;"));
            close();
            return;
        }
        byPanel(() -> {
            line("/* 16 x 16 blocks transposed in registers: four rounds of lane exchanges */");
            open("for (int h = 0; h < " + vn + "; h++)");
            line("__global const float* const src = B + b_off + (long)(j0 + 16 * h) * " + spec.k() + " + k0;");
            line("int k = 0;");
            open("for (; k + 16 <= kc; k += 16)");
            for (int q = 0; q < 16; q++) {
                line("float16 q" + q + " = *(__global const rf_float16u*)(src + " + (q == 0 ? "" : q * spec.k() + " + ") + "k);");
            }
            for (int s = 0; s < 4; s++) {
                transposeRound(s);
            }
            for (int q = 0; q < 16; q++) {
                line("*(" + vectorType + "*)(" + dst + " + (k + " + q + ") * " + nr + " + 16 * h) = q" + q + ";");
            }
            close();
            line("for (; k < kc; k++) for (int jj = 0; jj < 16; jj++) " + dst + "[k * " + nr + " + 16 * h + jj] = src[jj * "
                    + spec.k() + " + k];");
            close();
        }, () -> {
            line("for (int k = 0; k < kc; k++) for (int jj = 0; jj < " + nr + "; jj++) " + dst + "[k * " + nr
                    + " + jj] = jj < " + plan.lastWidth() + " ? B[b_off + (long)(j0 + jj) * " + spec.k()
                    + " + k0 + k] : 0.0f;");
        });
    }

    /**
     * Round {@code s} of a 16 x 16 transpose: rows i and i + 2^s (bit s of i clear) swap the lanes whose
     * bit s differs from the row's, so that after rounds 0..3 row i holds column i.
     */
    private void transposeRound(int s) {
        int bit = 1 << s;
        StringBuilder lo = new StringBuilder();
        StringBuilder hi = new StringBuilder();
        for (int l = 0; l < 16; l++) {
            boolean set = (l & bit) != 0;
            lo.append(l == 0 ? "" : ", ").append(set ? 16 + l - bit : l);
            hi.append(l == 0 ? "" : ", ").append(set ? 16 + l : l + bit);
        }
        open("");
        line("const uint16 lo = (uint16)(" + lo + ");");
        line("const uint16 hi = (uint16)(" + hi + ");");
        for (int i = 0; i < 16; i++) {
            if ((i & bit) == 0) {
                int j = i + bit;
                line("{ const float16 x = shuffle2(q" + i + ", q" + j + ", lo), y = shuffle2(q" + i + ", q" + j
                        + ", hi); q" + i + " = x; q" + j + " = y; }");
            }
        }
        close();
    }

    // ---- printing helpers ------------------------------------------------------------------------------

    private void signature(String function, List<ParamKind> params) {
        line("__kernel __attribute__((reqd_work_group_size(1, 1, 1)))");
        StringBuilder s = new StringBuilder("void " + function + "(");
        for (int p = 0; p < params.size(); p++) {
            s.append(p == 0 ? "" : ", ").append(params.get(p).declaration());
        }
        line(s.append(')').toString());
    }

    /**
     * Emits {@code full} for panels of nr columns and {@code edge} for a narrower last panel, with the
     * branch only where both kinds exist.
     */
    private void byPanel(Runnable full, Runnable edge) {
        boolean hasEdge = plan.lastWidth() < plan.nr();
        if (!hasEdge) {
            full.run();
        } else if (plan.panels() == 1) {
            edge.run();
        } else {
            open("if (jp < " + (plan.panels() - 1) + ")");
            full.run();
            closeElse();
            edge.run();
            close();
        }
    }

    private String vectorDecls(String prefix, String init) {
        StringBuilder s = new StringBuilder("float16 ");
        for (int v = 0; v < plan.vectors(); v++) {
            s.append(v == 0 ? "" : ", ").append(prefix).append(v).append(init);
        }
        return s.append(';').toString();
    }

    private static String acc(int row, int v) {
        return "acc" + row + "_" + v;
    }

    private static String loadVector(String base, int v, String pointerType) {
        return "*(" + pointerType + "*)(" + base + (v == 0 ? "" : " + " + 16 * v) + ")";
    }

    /** Vector {@code v} of a row of the last panel: lanes past its width are zero, and never read. */
    private String edgeVector(String base, int v) {
        StringBuilder s = new StringBuilder("(float16)(");
        for (int l = 0; l < 16; l++) {
            int j = 16 * v + l;
            s.append(l == 0 ? "" : ", ").append(j < plan.lastWidth() ? base + "[" + j + "]" : "0.0f");
        }
        return s.append(')').toString();
    }

    private void open(String head) {
        line(head.isEmpty() ? "{" : head + " {");
        depth++;
    }

    private void close() {
        depth--;
        line("}");
    }

    /** Closes a block and opens its else branch on the same line. */
    private void closeElse() {
        depth--;
        line("} else {");
        depth++;
    }

    private void line(String s) {
        out.append("    ".repeat(depth)).append(s).append('\n');
    }
}
