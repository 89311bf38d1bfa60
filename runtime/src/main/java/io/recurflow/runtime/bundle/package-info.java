/**
 * Kernel bundles: a model compiled offline into a JAR (manifest, OpenCL source, device binaries,
 * weights and a generated entry class), loaded here with nothing but this module on the class path.
 * {@link io.recurflow.runtime.bundle.Bundle} opens and verifies one; {@link io.recurflow.runtime.bundle.BundleHandle}
 * runs it; {@link io.recurflow.runtime.bundle.RecurflowModel} is what every bundle offers.
 */
package io.recurflow.runtime.bundle;
