package io.recurflow.codegen.kernels;

import io.recurflow.runtime.program.Arg;

/**
 * The role of one parameter of a generated GEMM or pack kernel, with the OpenCL name and type it is
 * declared with. Every float buffer is followed by its element offset, so that tensors can share buffers.
 */
public enum ParamKind {
    /** The left operand, {@code [M, k]} (or the {@code [T, batch, k]} sequence of a step GEMM). */
    A("A", Type.FLOAT_IN),
    /** Element offset of A. */
    A_OFF("a_off", Type.INT),
    /** The right operand: {@code [k, n]}, {@code [n, k]} with transposeB, or the packed panels with packedB. */
    B("B", Type.FLOAT_IN),
    /** Element offset of B. */
    B_OFF("b_off", Type.INT),
    /** The bias, n elements. */
    BIAS("bias", Type.FLOAT_IN),
    /** Element offset of the bias. */
    BIAS_OFF("bias_off", Type.INT),
    /** The result, {@code [M, n]}. */
    C("C", Type.FLOAT_OUT),
    /** Element offset of C. */
    C_OFF("c_off", Type.INT),
    /** The number of rows of this launch. */
    M("M", Type.INT),
    /** The length of each sequence of the batch, {@code batch} ints. */
    LENGTHS("lengths", Type.INT_IN),
    /** The step of row 0 of the launch. */
    T0("t0", Type.INT),
    /** The number of sequences: row r is sequence {@code r % batch} at step {@code t0 + r / batch}. */
    BATCH("batch", Type.INT),
    /** The delay of a step GEMM: row r reads step {@code t - d} (+1 forward, -1 reverse). */
    DELAY("d", Type.INT),
    /** The initial state, {@code [batch, k]}, read by rows whose step lies outside their sequence. */
    INIT("init", Type.FLOAT_IN),
    /** Element offset of the initial state. */
    INIT_OFF("init_off", Type.INT),
    /** The packed panels a pack kernel writes ({@link GemmKernel#packedLength(GemmSpec)} floats). */
    PACKED("P", Type.FLOAT_OUT),
    /** Element offset of the packed panels. */
    PACKED_OFF("p_off", Type.INT);

    /** OpenCL parameter types; buffers are {@code restrict} because no kernel's output aliases an input. */
    public enum Type {
        FLOAT_IN("__global const float* restrict"),
        FLOAT_OUT("__global float* restrict"),
        INT_IN("__global const int* restrict"),
        INT("int");

        private final String cType;

        Type(String cType) {
            this.cType = cType;
        }

        /** The declaration type in OpenCL C. */
        public String cType() {
            return cType;
        }
    }

    private final String cName;
    private final Type type;

    ParamKind(String cName, Type type) {
        this.cName = cName;
        this.type = type;
    }

    /** The parameter's name in the generated source. */
    public String cName() {
        return cName;
    }

    public Type type() {
        return type;
    }

    /** The runtime argument kind a launch passes for this parameter. */
    public Arg.Kind argKind() {
        return type == Type.INT ? Arg.Kind.INT : Arg.Kind.BUFFER;
    }

    /** The declaration, e.g. {@code __global const float* restrict A}. */
    public String declaration() {
        return type.cType() + " " + cName;
    }
}
