package io.recurflow.codegen.kernels;

import java.util.Objects;

/**
 * One shape-specialised GEMM: {@code C[M, n] = act(A[M, k] · B + bias)}, B being {@code [k, n]} or, with
 * {@code transposeB}, {@code [n, k]} (PyTorch's weight layout). M is a launch argument; n and k are fixed.
 *
 * @param name the kernel's function name, a C identifier ({@code name + "_pack"} names its pack kernel)
 * @param n columns of C
 * @param k the reduced dimension
 * @param transposeB whether B (or, with {@code packedB}, the matrix its pack kernel reads) is {@code [n, k]}
 * @param bias whether a bias vector of n elements is added to every row
 * @param act the activation applied after the bias
 * @param rowMode where the rows of A come from
 * @param maskRows whether rows past their sequence's end are stored as zeros: row {@code r} is sequence
 *     {@code b = r % batch} at step {@code t0 + r / batch}, zero when that step is {@code >= lengths[b]}
 * @param packedB whether B arrives in the panel layout written by the pack kernel
 *     ({@link GemmKernel#packSource(GemmSpec)}); worth it when B is a weight used by many launches
 */
public record GemmSpec(String name, int n, int k, boolean transposeB, boolean bias, Activation act, RowMode rowMode,
        boolean maskRows, boolean packedB) {

    public GemmSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(act, "act");
        Objects.requireNonNull(rowMode, "rowMode");
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("GEMM kernel name '" + name + "' is not a C identifier");
        }
        if (n < 1 || k < 1) {
            throw new IllegalArgumentException("GEMM " + name + ": n and k must be positive, got n=" + n + ", k=" + k);
        }
    }

    /** A spec whose B is passed as it is (not packed). */
    public GemmSpec(String name, int n, int k, boolean transposeB, boolean bias, Activation act, RowMode rowMode,
            boolean maskRows) {
        this(name, n, k, transposeB, bias, act, rowMode, maskRows, false);
    }

    /** A plain {@code C = A · B} (or {@code A · Bᵀ}) without bias, activation or masking. */
    public static GemmSpec plain(String name, int n, int k, boolean transposeB) {
        return new GemmSpec(name, n, k, transposeB, false, Activation.NONE, RowMode.PLAIN, false, false);
    }

    /** This spec under another kernel name. */
    public GemmSpec withName(String newName) {
        return new GemmSpec(newName, n, k, transposeB, bias, act, rowMode, maskRows, packedB);
    }

    /** This spec reading B in the packed panel layout, or as it is. */
    public GemmSpec withPackedB(boolean packed) {
        return new GemmSpec(name, n, k, transposeB, bias, act, rowMode, maskRows, packed);
    }

    /** Whether the kernel takes the per-sequence arguments {@code lengths, t0, batch}. */
    public boolean usesLengths() {
        return rowMode.isStep() || maskRows;
    }

    /** The number of floating-point operations of a launch over {@code m} rows (a multiply-add counts two). */
    public double flops(int m) {
        return 2.0 * m * n * k;
    }
}
