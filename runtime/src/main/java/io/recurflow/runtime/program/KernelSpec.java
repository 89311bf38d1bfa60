package io.recurflow.runtime.program;

import java.util.List;

/**
 * One kernel of the program's source: the OpenCL function {@code function} and the kinds of its
 * parameters in order (a launch passes one {@link Arg} of the matching kind for each).
 */
public record KernelSpec(int id, String function, List<Arg.Kind> params) {
    public KernelSpec {
        params = List.copyOf(params);
    }
}
