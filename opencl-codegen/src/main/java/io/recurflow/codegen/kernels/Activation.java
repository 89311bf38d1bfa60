package io.recurflow.codegen.kernels;

/** The pointwise function a kernel applies to its result before storing it. */
public enum Activation {
    NONE,
    SIGMOID,
    TANH,
    RELU
}
