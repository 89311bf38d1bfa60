package io.recurflow.codegen.kernels;

import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;

/** Prints the OpenCL C of a {@link GemmPlan}; it decides nothing that the plan has not decided. */
final class GemmEmitter {
    /** Types and helpers every GEMM source starts with, guarded so that several kernels can share one program. */
    static final String PRELUDE = """
            #ifndef RECURFLOW_FLOAT16U
            #define RECURFLOW_FLOAT16U
            /* float16 at 4-byte alignment: vector loads and stores at any element offset. */
            typedef float16 __attribute__((aligned(4))) rf_float16u;
            typedef float4 __attribute__((aligned(4))) rf_float4u;
            inline float rf_hsum16(float16 v) {
                const float8 a = v.lo + v.hi;
                const float4 b = a.lo + a.hi;
                const float2 c = b.lo + b.hi;
                return c.x + c.y;
            }
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
        line("if (r0 >= r1 || jp >= " + plan.panels() + ") return;");
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
        if (plan.dotRows() > 0) {
            dotPath();
        }
        open("for (int k0 = 0; k0 < " + spec.k() + "; k0 += " + plan.kc() + ")");
        line("const int kc = min(" + plan.kc() + ", " + spec.k() + " - k0);");
        if (spec.packedB()) {
            line("__global const float* const pb = B + b_off + ((long)jp * " + spec.k() + " + k0) * " + nr + ";");
        } else {
            line("/* copy the panel: contiguous for the inner loop, zero past column n */");
            packPanel("bpf", "__local", true);
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
        open("if (left > 1)");
        line("n = min(" + ms + ", left);");
        gather(ms);
        microKernel(ms, "atf", plan.kcStride());
        closeElse();
        line("n = 1;");
        singleRow();
        close();
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
                + (plan.chunks() > 1 ? " (" + plan.chunks() + " chunks, partial sums in C)" : "")
                + (plan.dotRows() > 0 ? "; dot products along k for work-groups of up to " + plan.dotRows() + " rows" : "");
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
        rowSource("k0");
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

    /** Sets {@code src} to row rr's first element at k {@code k0}, leaving it null for a zero state. */
    private void rowSource(String k0) {
        String at = " + " + k0 + ";";
        switch (spec.rowMode()) {
            case PLAIN -> line("src = A + a_off + (long)rr * " + spec.k() + at);
            case STEP, STEP_INIT -> {
                line("const int b = rr % batch;");
                line("const int s = t0 + rr / batch - d;");
                line("if (s >= 0 && s < lengths[b]) src = A + a_off + ((long)s * batch + b) * " + spec.k() + at);
                if (spec.rowMode() == RowMode.STEP_INIT) {
                    line("else src = init + init_off + (long)b * " + spec.k() + at);
                }
            }
        }
    }

    /**
     * A work-group with at most {@link GemmPlan#dotRows()} rows and B as [n, k] computes dot products along
     * k straight from B's rows: transposing its panel would cost more than the product. Eight columns at
     * a time, one float16 of k per step, then a horizontal sum.
     */
    private void dotPath() {
        int nr = plan.nr();
        int k = spec.k();
        int full = k / 16 * 16;
        open("if (r1 - r0 <= " + plan.dotRows() + ")");
        open("for (int r = r0; r < r1; r++)");
        line("const int n = 1;");
        line("const int rr = r;");
        line("__global const float* src = 0;");
        rowSource("0");
        line("__local float* const ctf = (__local float*)ct;");
        open("for (int j = 0; j < " + nr + "; j += 8)");
        line("float16 s0 = (float16)(0.0f), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;");
        line("float u0 = 0.0f, u1 = 0.0f, u2 = 0.0f, u3 = 0.0f, u4 = 0.0f, u5 = 0.0f, u6 = 0.0f, u7 = 0.0f;");
        open("if (src)");
        for (int c = 0; c < 8; c++) {
            String row = plan.lastWidth() < nr ? "min(j0 + j + " + c + ", " + (spec.n() - 1) + ")" : "(j0 + j + " + c + ")";
            line("__global const float* const w" + c + " = B + b_off + (long)" + row + " * " + k + ";");
        }
        open("for (int k = 0; k < " + full + "; k += 16)");
        line("const float16 x = *(__global const rf_float16u*)(src + k);");
        StringBuilder fma = new StringBuilder();
        for (int c = 0; c < 8; c++) {
            fma.append(c == 0 ? "" : " ").append("s").append(c).append(" = fma(x, *(__global const rf_float16u*)(w").append(c)
                    .append(" + k), s").append(c).append(");");
        }
        line(fma.toString());
        close();
        if (full < k) {
            StringBuilder tail = new StringBuilder("for (int k = " + full + "; k < " + k + "; k++) {");
            for (int c = 0; c < 8; c++) {
                tail.append(" u").append(c).append(" = fma(src[k], w").append(c).append("[k], u").append(c).append(");");
            }
            line(tail.append(" }").toString());
        }
        close();
        StringBuilder sums = new StringBuilder();
        for (int c = 0; c < 8; c++) {
            sums.append(c == 0 ? "" : " ").append("ctf[j + ").append(c).append("] = rf_hsum16(s").append(c).append(") + u").append(c).append(';');
        }
        line(sums.toString());
        close();
        epilogue();
        close();
        line("return;");
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

    /**
     * The last row of a range (the whole launch at batch 1): read in place, four k at a time into four
     * sets of sums, so that the multiply-adds do not wait on each other.
     */
    private void singleRow() {
        int vn = plan.vectors();
        line("const int rr = r;");
        line("__global const float* src = 0;");
        rowSource("k0");
        StringBuilder decl = new StringBuilder("float16 ");
        for (int ph = 0; ph < 4; ph++) {
            for (int v = 0; v < vn; v++) {
                decl.append(ph + v == 0 ? "" : ", ").append("p").append(ph).append('_').append(v).append(" = (float16)(0.0f)");
            }
        }
        line(decl.append(';').toString());
        open("if (src)");
        line("int k = 0;");
        open("for (; k + 4 <= kc; k += 4)");
        for (int ph = 0; ph < 4; ph++) {
            singleRowStep("k + " + ph, ph);
        }
        close();
        open("for (; k < kc; k++)");
        singleRowStep("k", 0);
        close();
        close();
        StringBuilder sums = new StringBuilder();
        for (int v = 0; v < vn; v++) {
            sums.append(v == 0 ? "" : " ").append("ct[").append(v).append("] = (p0_").append(v).append(" + p1_").append(v)
                    .append(") + (p2_").append(v).append(" + p3_").append(v).append(");");
        }
        line(sums.toString());
    }

    private void singleRowStep(String k, int ph) {
        int vn = plan.vectors();
        StringBuilder s = new StringBuilder("{ const float e = src[" + k + "];");
        for (int v = 0; v < vn; v++) {
            String b = spec.packedB()
                    ? loadVector("pb + (" + k + ") * " + plan.nr(), v, "__global const rf_float16u")
                    : "bp[(" + k + ") * " + vn + (v == 0 ? "" : " + " + v) + "]";
            s.append(" p").append(ph).append('_').append(v).append(" = fma((float16)(e), ").append(b).append(", p").append(ph)
                    .append('_').append(v).append(");");
        }
        line(s.append(" }").toString());
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
        line("if (k0 >= " + spec.k() + " || jp >= " + plan.panels() + ") return;");
        line("const int kc = min(16, " + spec.k() + " - k0);");
        line("__global float* const dst = P + p_off + ((long)jp * " + spec.k() + " + k0) * " + plan.nr() + ";");
        packPanel("dst", "__global", false);
        close();
    }

    /**
     * Copies columns [j0, j0 + nr) and k [k0, k0 + kc) of B into {@code dst} as [kc][nr], zero past column
     * n; {@code space} is dst's address space and {@code aligned} whether dst + 16 * i is 64-byte aligned.
     */
    private void packPanel(String dst, String space, boolean aligned) {
        int nr = plan.nr();
        int vn = plan.vectors();
        String vector16 = space + (aligned ? " float16" : " rf_float16u");
        if (!spec.transposeB()) {
            open("for (int k = 0; k < kc; k++)");
            line("__global const float* const src = B + b_off + (long)(k0 + k) * " + spec.n() + " + j0;");
            byPanel(() -> {
                for (int v = 0; v < vn; v++) {
                    line("*(" + vector16 + "*)(" + dst + " + k * " + nr + (v == 0 ? "" : " + " + 16 * v) + ") = "
                            + loadVector("src", v, "__global const rf_float16u") + ";");
                }
            }, () -> line("for (int jj = 0; jj < " + nr + "; jj++) " + dst + "[k * " + nr + " + jj] = jj < "
                    + plan.lastWidth() + " ? src[jj] : 0.0f;"));
            close();
            return;
        }
        String vector4 = space + (aligned ? " float4" : " rf_float4u");
        int k = spec.k();
        byPanel(() -> {
            // 4 x 4 blocks: PoCL's LLVM turns larger in-register transposes (16 x 16 through shuffle2)
            // into partial loads and blends that cost more than they save.
            line("/* 4 x 4 blocks: four rows of B, four k, transposed through float4 registers */");
            open("for (int h = 0; h < " + nr / 4 + "; h++)");
            line("__global const float* const src = B + b_off + (long)(j0 + 4 * h) * " + k + " + k0;");
            line("int k = 0;");
            open("for (; k + 4 <= kc; k += 4)");
            for (int q = 0; q < 4; q++) {
                line("const float4 q" + q + " = *(__global const rf_float4u*)(src + " + (q == 0 ? "" : q * k + " + ") + "k);");
            }
            for (int q = 0; q < 4; q++) {
                line("*(" + vector4 + "*)(" + dst + " + (k + " + q + ") * " + nr + " + 4 * h) = (float4)(q0.s" + q + ", q1.s" + q
                        + ", q2.s" + q + ", q3.s" + q + ");");
            }
            close();
            line("for (; k < kc; k++) for (int jj = 0; jj < 4; jj++) " + dst + "[k * " + nr + " + 4 * h + jj] = src[jj * "
                    + k + " + k];");
            close();
        }, () -> {
            line("for (int k = 0; k < kc; k++) for (int jj = 0; jj < " + nr + "; jj++) " + dst + "[k * " + nr
                    + " + jj] = jj < " + plan.lastWidth() + " ? B[b_off + (long)(j0 + jj) * " + k + " + k0 + k] : 0.0f;");
        });
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
