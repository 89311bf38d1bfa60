/**
 * Writing kernel bundles: {@link io.recurflow.codegen.bundle.BundleWriter} turns a compiled model, its
 * weights and device binaries into a JAR that the runtime's {@code io.recurflow.runtime.bundle} loads.
 */
package io.recurflow.codegen.bundle;
