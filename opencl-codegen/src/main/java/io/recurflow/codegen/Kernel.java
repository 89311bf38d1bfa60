package io.recurflow.codegen;

import io.recurflow.runtime.program.Arg;
import java.util.List;

/**
 * One generated kernel before naming: its text (with {@link KernelSet#NAME} for the function name),
 * the program buffers it takes after {@code (lengths, t0)}, and its columns (the first range axis).
 */
record Kernel(String prefix, String text, List<Integer> buffers, List<Arg.Kind> params, int columns) {
}
