/**
 * OpenCL code generation: kernels specialised by shape, lowering a schedule into a runtime
 * {@code Program}, kernel bundles and their ASM-generated entry classes.
 *
 * <p>So far: the kernel generators of {@code io.recurflow.codegen.kernels} (shape-specialised GEMM).
 * Lowering a schedule into a runtime {@code Program} is still to come.
 */
package io.recurflow.codegen;
