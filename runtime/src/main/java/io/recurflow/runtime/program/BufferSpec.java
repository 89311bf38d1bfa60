package io.recurflow.runtime.program;

/**
 * One device buffer: {@code id} is its position in {@link Program#buffers()}; {@code bytes} its size;
 * {@code role} says whether the host fills it ({@link Role#INPUT}, {@link Role#PARAM}), reads it
 * ({@link Role#OUTPUT}) or neither ({@link Role#TEMP}, which the memory plan may share).
 */
public record BufferSpec(int id, String name, long bytes, Role role) {
    /** What a buffer is for. */
    public enum Role { INPUT, PARAM, OUTPUT, TEMP }

    public BufferSpec {
        if (bytes <= 0) {
            throw new IllegalArgumentException("buffer " + name + " has " + bytes + " bytes");
        }
    }
}
