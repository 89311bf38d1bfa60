package io.recurflow.runtime.cl;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts of the OpenCL objects this module has created and not yet released, process-wide: the leak
 * tests compare snapshots taken before and after.
 */
public final class LiveObjects {
    static final AtomicInteger CONTEXTS = new AtomicInteger();
    static final AtomicInteger QUEUES = new AtomicInteger();
    static final AtomicInteger PROGRAMS = new AtomicInteger();
    static final AtomicInteger KERNELS = new AtomicInteger();
    static final AtomicInteger BUFFERS = new AtomicInteger();
    static final AtomicInteger EVENTS = new AtomicInteger();

    private LiveObjects() {
    }

    /** How many objects of each kind are live at one moment. */
    public record Counts(int contexts, int queues, int programs, int kernels, int buffers, int events) {
        /** All kinds together. */
        public int total() {
            return contexts + queues + programs + kernels + buffers + events;
        }
    }

    /** The live counts now (each read separately: exact when no other thread is creating objects). */
    public static Counts snapshot() {
        return new Counts(CONTEXTS.get(), QUEUES.get(), PROGRAMS.get(), KERNELS.get(), BUFFERS.get(), EVENTS.get());
    }
}
