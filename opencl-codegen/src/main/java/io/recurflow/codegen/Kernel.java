package io.recurflow.codegen;

import io.recurflow.runtime.program.Arg;
import java.util.List;

/**
 * One generated kernel before naming: its text (with {@link KernelSet#NAME} for the function name),
 * the program buffers it takes after {@code (lengths, t0)}, its columns (the first range axis), and the
 * value columns each work-item computes ({@code lanes}: 16 for a float16 kernel, else 1).
 */
record Kernel(String prefix, String text, List<Integer> buffers, List<Arg.Kind> params, int columns, int lanes) {
    Kernel(String prefix, String text, List<Integer> buffers, List<Arg.Kind> params, int columns) {
        this(prefix, text, buffers, params, columns, 1);
    }
}
