/**
 * OpenCL code generation: kernels specialised by shape, lowering a schedule into a runtime
 * {@code Program}, kernel bundles and their ASM-generated entry classes.
 *
 * <p>Nothing lives here yet: the foundation runs graphs on the reference interpreter only. The
 * module exists so that the dependency order graph-ir → scc-scheduler → opencl-codegen → runtime is
 * fixed in the build from the start.
 */
package io.recurflow.codegen;
