package io.recurflow.runtime.program;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The low-level plan a model compiles to: device buffers, the OpenCL source holding every kernel, and
 * two instruction lists — {@code setup} runs once when the program is loaded (parameters, constants),
 * {@code run} runs for every batch (inputs in, launches, outputs out). Plain data: printed by
 * {@link ProgramPrinter}, checked by {@link ProgramVerifier}, laid out in device memory by {@link MemoryPlan} and
 * executed by {@code io.recurflow.runtime.cl.Session#load} and {@code Loaded#run}.
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

    /** SHA-256 of the source's UTF-8 bytes, 64 lower-case hex digits: names the source in listings and caches. */
    public String sourceSha256() {
        return sha256(source);
    }

    /** SHA-256 of {@code text}'s UTF-8 bytes as 64 lower-case hex digits. */
    public static String sha256(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            // every Java platform must provide SHA-256
            throw new IllegalStateException(e);
        }
    }
}
