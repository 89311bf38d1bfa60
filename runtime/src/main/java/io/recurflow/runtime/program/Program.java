package io.recurflow.runtime.program;

import java.util.List;

/**
 * The low-level plan a model compiles to: device buffers, the OpenCL source holding every kernel, and
 * two instruction lists — {@code setup} runs once when the program is loaded (parameters, constants),
 * {@code run} runs for every batch (inputs in, launches, outputs out). Plain data: printed by
 * {@link ProgramPrinter}, checked by {@link ProgramVerifier}, executed by the runtime's executor.
 *
 * <p>Queues are numbered 0 … {@code queues} − 1 and are in-order; a launch waits on the events of
 * earlier launches named in its {@link Instr.Launch#waits()}, which only matters across queues.
 */
public record Program(String name, String source, List<BufferSpec> buffers, List<KernelSpec> kernels,
                      List<Instr> setup, List<Instr> run, int queues) {
    public Program {
        buffers = List.copyOf(buffers);
        kernels = List.copyOf(kernels);
        setup = List.copyOf(setup);
        run = List.copyOf(run);
    }

    public BufferSpec buffer(int id) {
        return buffers.get(id);
    }

    public KernelSpec kernel(int id) {
        return kernels.get(id);
    }

    /** Number of kernel launches one run makes: the figure {@code analyze} reports per mode. */
    public int launchesPerRun() {
        return (int) run.stream().filter(i -> i instanceof Instr.Launch).count();
    }
}
