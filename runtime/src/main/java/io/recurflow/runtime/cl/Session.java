package io.recurflow.runtime.cl;

import io.recurflow.runtime.program.Program;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.cl_command_queue;

/**
 * One OpenCL context on one device with {@code queues} in-order command queues (profiling enabled, so
 * any run may ask for timings), into which {@link Program}s are loaded.
 *
 * <p><b>Program caches.</b> Building is slow on PoCL (about 0.5 s per program cold; about 30 ms when
 * PoCL's own on-disk cache, on by default in {@code ~/.cache/pocl/kcache}, already holds it), and a
 * built cl_program belongs to one context. So there are three levels: (1) each context caches its
 * built programs by SHA-256 of build options and source, until {@link #clearProgramCache()} or close;
 * (2) the process keeps the device binary of every program it built, so a new context on the same
 * device creates the program from it in about a millisecond ({@link #clearBinaryCache()} forgets
 * them); (3) PoCL's disk cache serves builds across processes.
 *
 * <p><b>Shared sessions.</b> {@link #shared(DeviceInfo, int)} returns one session per device and queue
 * count, all of a device's shared sessions on one context, so that tests and tools share built
 * programs. They are kept for the JVM's life — a reference count would drop to zero between two test
 * classes and throw the builds away — so {@link #close()} does nothing on them; {@link #closeShared()}
 * releases them all.
 *
 * <p>A session is safe to use from several threads: loading and running are serialised on it.
 */
public final class Session implements AutoCloseable {
    /** How to load a program: OpenCL build options, and whether TEMP buffers may share device memory. */
    public record Options(String buildOptions, boolean shareTemps) {
        /** No build options; TEMP buffers shared by the memory plan. */
        public static final Options DEFAULT = new Options("", true);

        public Options {
            buildOptions = buildOptions == null ? "" : buildOptions;
        }
    }

    private record SharedKey(DeviceInfo device, int queues) {
    }

    private static final Object SHARED_LOCK = new Object();
    private static final Map<DeviceInfo, ClContext> SHARED_CONTEXTS = new HashMap<>();
    private static final Map<SharedKey, Session> SHARED = new HashMap<>();

    final ClContext context;
    final cl_command_queue[] queues;
    private final boolean shared;
    private final Set<Loaded> loaded = new LinkedHashSet<>();
    private boolean closed;

    private Session(ClContext context, int queueCount, boolean shared) {
        this.context = context;
        this.shared = shared;
        this.queues = new cl_command_queue[queueCount];
        try {
            for (int q = 0; q < queueCount; q++) {
                queues[q] = Cl.createQueue(context.info, context.context, context.device, q);
            }
        } catch (RuntimeException e) {
            releaseQueues(e);
            throw e;
        }
    }

    private void releaseQueues(RuntimeException pending) {
        for (cl_command_queue q : queues) {
            if (q != null) {
                try {
                    Cl.release(q);
                } catch (RuntimeException x) {
                    pending.addSuppressed(x);
                }
            }
        }
    }

    /**
     * A new context on {@code device} with {@code queues} in-order queues; {@link #close()} releases it
     * and everything loaded into it.
     *
     * @throws OpenClException when OpenCL refuses the context or a queue
     */
    public static Session open(DeviceInfo device, int queues) {
        if (queues < 1) {
            throw new IllegalArgumentException("a session needs at least 1 queue, not " + queues);
        }
        ClContext ctx = ClContext.create(device);
        try {
            return new Session(ctx, queues, false);
        } catch (RuntimeException e) {
            try {
                ctx.close();
            } catch (RuntimeException x) {
                e.addSuppressed(x);
            }
            throw e;
        }
    }

    /**
     * The process's shared session on {@code device} with {@code queues} queues, created on first use.
     * All shared sessions of a device use one context and so share its built programs. Kept until
     * {@link #closeShared()}; {@link #close()} on it does nothing.
     */
    public static Session shared(DeviceInfo device, int queues) {
        if (queues < 1) {
            throw new IllegalArgumentException("a session needs at least 1 queue, not " + queues);
        }
        synchronized (SHARED_LOCK) {
            SharedKey key = new SharedKey(device, queues);
            Session s = SHARED.get(key);
            if (s != null) {
                return s;
            }
            ClContext ctx = SHARED_CONTEXTS.get(device);
            boolean fresh = ctx == null;
            if (fresh) {
                ctx = ClContext.create(device);
            }
            try {
                s = new Session(ctx, queues, true);
            } catch (RuntimeException e) {
                if (fresh) {
                    ctx.close();
                }
                throw e;
            }
            SHARED_CONTEXTS.put(device, ctx);
            SHARED.put(key, s);
            return s;
        }
    }

    /** Closes every shared session (and whatever is still loaded in them) and their contexts. */
    public static void closeShared() {
        synchronized (SHARED_LOCK) {
            List<Runnable> closes = new ArrayList<>();
            for (Session s : SHARED.values()) {
                closes.add(s::closeNow);
            }
            for (ClContext c : SHARED_CONTEXTS.values()) {
                closes.add(c::close);
            }
            SHARED.clear();
            SHARED_CONTEXTS.clear();
            Cl.all(closes);
        }
    }

    /** How the programs loaded so far in this process were obtained. */
    public static BuildStats buildStats() {
        return ProgramBinaries.stats();
    }

    /** Forgets the device binaries kept from earlier builds: the next new context compiles again. */
    public static void clearBinaryCache() {
        ProgramBinaries.clear();
    }

    /**
     * The device binary of {@code program} built with {@code options} on this session's device, building
     * it first when needed; null when the driver gives no binary. A bundle stores it, so that loading on
     * the same device skips the compiler.
     */
    public synchronized byte[] deviceBinary(Program program, Options options) {
        check();
        // from the built program itself: the process's store of binaries may have been cleared since
        return context.binaryOf(context.program(program.name(), program.source(), options.buildOptions()));
    }

    /**
     * Keeps {@code binary} as the device binary of {@code program} with {@code options} on {@code device}:
     * the next new context that loads the program creates it from the binary, and compiles the source
     * only if the driver refuses the binary.
     */
    public static void offerBinary(DeviceInfo device, Program program, Options options, byte[] binary) {
        ProgramBinaries.put(device, ClContext.key(program.source(), options.buildOptions()), binary.clone());
    }

    /** The number of device binaries kept from earlier builds. */
    public static int binaryCacheSize() {
        return ProgramBinaries.size();
    }

    public DeviceInfo device() {
        return context.info;
    }

    /** The number of queues; a loaded program may use queues 0 … queues() − 1. */
    public int queues() {
        return queues.length;
    }

    /** Whether this is one of the process's shared sessions (see {@link #shared(DeviceInfo, int)}). */
    public boolean isShared() {
        return shared;
    }

    /** The number of built programs cached in this session's context (shared with other shared sessions). */
    public int cachedPrograms() {
        return context.cachedPrograms();
    }

    /** Releases the built programs cached in this session's context; loaded programs keep working. */
    public void clearProgramCache() {
        context.clearPrograms();
    }

    /** As {@link #load(Program, Map, Options)} with {@link Options#DEFAULT}. */
    public Loaded load(Program program, Map<String, ?> setupHost) {
        return load(program, setupHost, Options.DEFAULT);
    }

    /**
     * Verifies {@code program}, builds it (or takes it from a cache), creates its kernels, allocates its
     * buffers by the memory plan and runs its setup instructions with the host arrays of
     * {@code setupHost} (float[] or int[], named as the setup's writes name them). If anything fails,
     * whatever was created is released before the exception leaves.
     *
     * @throws io.recurflow.runtime.program.ProgramException when the program does not verify
     * @throws IllegalArgumentException when the program needs more queues than the session has, or a
     *         host array is missing, of the wrong type, or of the wrong size
     * @throws KernelBuildException when the source does not compile
     * @throws DeviceMemoryException when a buffer cannot be allocated
     * @throws OpenClException when any other OpenCL call fails
     */
    public synchronized Loaded load(Program program, Map<String, ?> setupHost, Options options) {
        check();
        if (program.queues() > queues.length) {
            throw new IllegalArgumentException("program '" + program.name() + "' uses " + program.queues()
                    + " queues; the session has " + queues.length);
        }
        Loaded l = Loaded.load(this, program, setupHost, options);
        loaded.add(l);
        return l;
    }

    synchronized void forget(Loaded l) {
        loaded.remove(l);
    }

    /** Waits for everything enqueued on every queue. */
    void finishAll() {
        finish(queues.length);
    }

    /**
     * Waits for everything enqueued on the first {@code count} queues (those a program uses: finishing
     * an idle queue still costs PoCL some 20 µs).
     */
    void finish(int count) {
        for (int q = 0; q < Math.min(count, queues.length); q++) {
            try {
                CL.clFinish(queues[q]);
            } catch (CLException e) {
                throw Cl.fail("clFinish on queue q" + q, e);
            }
        }
    }

    void check() {
        if (closed) {
            throw new IllegalStateException("the session on " + context.info.name() + " is closed");
        }
    }

    /**
     * Releases whatever is still loaded, the queues and (for a session from {@link #open}) the context
     * with its cached programs. Does nothing on a shared session.
     */
    @Override
    public void close() {
        if (!shared) {
            closeNow();
        }
    }

    private synchronized void closeNow() {
        if (closed) {
            return;
        }
        List<Runnable> steps = new ArrayList<>();
        for (Loaded l : new ArrayList<>(loaded)) {
            steps.add(l::close);
        }
        for (cl_command_queue q : queues) {
            steps.add(() -> Cl.release(q));
        }
        if (!shared) {
            steps.add(context::close);
        }
        closed = true;
        Cl.all(steps);
        loaded.clear();
    }
}
