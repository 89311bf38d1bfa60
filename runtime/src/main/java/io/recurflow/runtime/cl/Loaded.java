package io.recurflow.runtime.cl;

import static org.jocl.CL.CL_KERNEL_NUM_ARGS;
import static org.jocl.CL.CL_MAP_READ;
import static org.jocl.CL.CL_MAP_WRITE;
import static org.jocl.CL.CL_PROFILING_COMMAND_END;
import static org.jocl.CL.CL_PROFILING_COMMAND_QUEUED;
import static org.jocl.CL.CL_PROFILING_COMMAND_START;

import io.recurflow.runtime.program.Arg;
import io.recurflow.runtime.program.BufferSpec;
import io.recurflow.runtime.program.Instr;
import io.recurflow.runtime.program.KernelSpec;
import io.recurflow.runtime.program.MemoryPlan;
import io.recurflow.runtime.program.MemoryReport;
import io.recurflow.runtime.program.Program;
import io.recurflow.runtime.program.ProgramPrinter;
import io.recurflow.runtime.program.ProgramVerifier;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_event;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;

/**
 * A {@link Program} loaded into a {@link Session}: its kernels, its device buffers (allocated by the
 * {@link MemoryPlan}) and its setup already done. Each {@link #run} enqueues the run instructions
 * without any host wait in between, then finishes every queue and reads the outputs back. Closing it
 * releases its kernels and buffers; the built program stays in the session's cache.
 */
public final class Loaded implements AutoCloseable {
    private final Session session;
    private final Program program;
    private final MemoryPlan plan;
    private final cl_kernel[] kernels;
    /** Per kernel, the arguments of its last launch (null: unknown), so that unchanged ones are not set again. */
    private final Arg[][] lastArgs;
    private final cl_mem[] slots;
    private final List<Staging> stagings = new ArrayList<>();
    private Step[] runSteps;
    private final int runEvents;
    private boolean closed;

    private Loaded(Session session, Program program, MemoryPlan plan, cl_kernel[] kernels, cl_mem[] slots) {
        this.session = session;
        this.program = program;
        this.plan = plan;
        this.kernels = kernels;
        this.lastArgs = new Arg[kernels.length][];
        this.slots = slots;
        this.runEvents = eventCount(program.run());
    }

    static Loaded load(Session session, Program p, Map<String, ?> setupHost, Session.Options options) {
        ProgramVerifier.verify(p);
        MemoryPlan plan = options.shareTemps() ? MemoryPlan.of(p) : MemoryPlan.unshared(p);
        DeviceInfo device = session.context.info;
        checkSizes(device, p, plan);
        checkHost(p, "setup", p.setup(), setupHost);
        // everything created below is released again, newest first, if a later step fails
        List<Runnable> undo = new ArrayList<>();
        try {
            cl_program built = session.context.program(p.name(), p.source(), options.buildOptions());
            cl_kernel[] kernels = new cl_kernel[p.kernels().size()];
            for (KernelSpec k : p.kernels()) {
                kernels[k.id()] = createKernel(p, built, k);
                cl_kernel made = kernels[k.id()];
                undo.add(() -> Cl.release(made));
                checkArgCount(p, k, made);
            }
            cl_mem[] slots = new cl_mem[plan.slots()];
            for (int s = 0; s < slots.length; s++) {
                slots[s] = Cl.createBuffer(device, session.context.context, plan.slotBytes(s), slotName(p, plan, s));
                cl_mem made = slots[s];
                undo.add(() -> Cl.release(made));
            }
            Loaded l = new Loaded(session, p, plan, kernels, slots);
            l.runSteps = l.prepare("run", p.run(), undo);
            l.execute(l.prepare("setup", p.setup(), null), eventCount(p.setup()), setupHost, false);
            return l;
        } catch (RuntimeException e) {
            Collections.reverse(undo);
            try {
                Cl.all(undo);
            } catch (RuntimeException x) {
                e.addSuppressed(x);
            }
            throw e;
        }
    }

    private static cl_kernel createKernel(Program p, cl_program built, KernelSpec k) {
        try {
            return Cl.createKernel(built, k.function(), "cannot create kernel k" + k.id() + " '" + k.function()
                    + "' of program '" + p.name() + "'");
        } catch (OpenClException e) {
            if (e.status() == CL.CL_INVALID_KERNEL_NAME) {
                throw new OpenClException("program '" + p.name() + "' kernel k" + k.id() + ": its source has no kernel '"
                        + k.function() + "' (it declares: " + String.join(", ", Cl.kernelNames(p.source())) + ")",
                        e.status(), e);
            }
            throw e;
        }
    }

    private static void checkArgCount(Program p, KernelSpec k, cl_kernel kernel) {
        int[] n = new int[1];
        try {
            CL.clGetKernelInfo(kernel, CL_KERNEL_NUM_ARGS, Sizeof.cl_uint, Pointer.to(n), null);
        } catch (CLException e) {
            throw Cl.fail("clGetKernelInfo of kernel '" + k.function() + "'", e);
        }
        if (n[0] != k.params().size()) {
            throw new IllegalArgumentException("program '" + p.name() + "' kernel k" + k.id() + " '" + k.function() + "' takes "
                    + n[0] + " arguments in the source, but its KernelSpec lists " + k.params().size() + " " + k.params());
        }
    }

    /** Refuses, before allocating anything, what the device cannot hold. */
    private static void checkSizes(DeviceInfo device, Program p, MemoryPlan plan) {
        for (int s = 0; s < plan.slots(); s++) {
            if (plan.slotBytes(s) > device.maxAllocBytes()) {
                throw new DeviceMemoryException("larger than the device's maximum allocation", slotName(p, plan, s),
                        plan.slotBytes(s), device, 0, null);
            }
        }
        if (plan.plannedBytes() > device.globalMemBytes()) {
            throw new DeviceMemoryException("more than the device's global memory",
                    "the " + p.buffers().size() + " buffers of program '" + p.name() + "'", plan.plannedBytes(), device, 0, null);
        }
    }

    private static String slotName(Program p, MemoryPlan plan, int slot) {
        List<Integer> bs = plan.buffersIn(slot);
        StringBuilder sb = new StringBuilder(bs.size() == 1 ? "buffer " : "buffers ");
        for (int i = 0; i < bs.size(); i++) {
            BufferSpec b = p.buffer(bs.get(i));
            sb.append(i == 0 ? "" : ", ").append('b').append(b.id()).append(" '").append(b.name()).append('\'');
        }
        if (bs.size() > 1) {
            sb.append(" (one shared allocation)");
        }
        return sb.append(" of program '").append(p.name()).append('\'').toString();
    }

    /** Every host array the writes of {@code instrs} name must be there, a float[] or int[] of the buffer's size. */
    private static void checkHost(Program p, String list, List<Instr> instrs, Map<String, ?> host) {
        for (int i = 0; i < instrs.size(); i++) {
            if (!(instrs.get(i) instanceof Instr.Write)) {
                continue;
            }
            Instr.Write w = (Instr.Write) instrs.get(i);
            BufferSpec b = p.buffer(w.buffer());
            String at = "program '" + p.name() + "' " + list + "[" + i + "] write b" + b.id() + " '" + b.name() + "': ";
            Object v = host == null ? null : host.get(w.host());
            if (v == null) {
                throw new IllegalArgumentException(at + "no host array \"" + w.host() + "\" (expected a float[] or int[] of "
                        + b.bytes() + " bytes); given: " + (host == null ? "none" : new TreeSet<>(host.keySet())));
            }
            long bytes;
            if (v instanceof float[]) {
                bytes = 4L * ((float[]) v).length;
            } else if (v instanceof int[]) {
                bytes = 4L * ((int[]) v).length;
            } else {
                throw new IllegalArgumentException(at + "host array \"" + w.host() + "\" is a " + v.getClass().getSimpleName()
                        + "; expected a float[] or int[]");
            }
            if (bytes != b.bytes()) {
                throw new IllegalArgumentException(at + "host array \"" + w.host() + "\" has " + bytes + " bytes (" + bytes / 4
                        + " elements) but buffer b" + b.id() + " '" + b.name() + "' has " + b.bytes() + " bytes");
            }
        }
    }

    private static int eventCount(List<Instr> instrs) {
        return denseEvents(instrs).size();
    }

    /** Event ids → 0, 1, 2 … in order of definition, so a run keeps its events in a plain array. */
    private static Map<Integer, Integer> denseEvents(List<Instr> instrs) {
        Map<Integer, Integer> dense = new HashMap<>();
        for (Instr in : instrs) {
            if (in instanceof Instr.Launch && ((Instr.Launch) in).event() >= 0) {
                dense.putIfAbsent(((Instr.Launch) in).event(), dense.size());
            }
        }
        return dense;
    }

    // ---- prepared instructions ----------------------------------------------------------------

    /** One instruction with its OpenCL handles and argument values resolved once, at load. */
    private abstract static class Step {
        final String where;
        final int queue;

        Step(String where, int queue) {
            this.where = where;
            this.queue = queue;
        }

        abstract void enqueue(Loaded l, RunState st);
    }

    /** A copy between a device buffer and the host array called {@code host}, through {@code staging}. */
    private abstract static class TransferStep extends Step {
        final cl_mem mem;
        final long bytes;
        final String host;
        /** For a write, null in setup, which writes straight from the Java array and waits (blocking). */
        final ByteBuffer staging;

        TransferStep(String where, int queue, cl_mem mem, long bytes, String host, ByteBuffer staging) {
            super(where, queue);
            this.mem = mem;
            this.bytes = bytes;
            this.host = host;
            this.staging = staging;
        }
    }

    private static final class WriteStep extends TransferStep {
        WriteStep(String where, int queue, cl_mem mem, long bytes, String host, ByteBuffer staging) {
            super(where, queue, mem, bytes, host, staging);
        }

        @Override
        void enqueue(Loaded l, RunState st) {
            Object v = st.host.get(host);
            if (staging == null) {
                Pointer src = v instanceof float[] ? Pointer.to((float[]) v) : Pointer.to((int[]) v);
                CL.clEnqueueWriteBuffer(l.session.queues[queue], mem, true, 0, bytes, src, 0, null, null);
                return;
            }
            // non-blocking writes need memory the GC does not move: copy into this write's direct buffer
            staging.clear();
            if (v instanceof float[]) {
                staging.asFloatBuffer().put((float[]) v);
            } else {
                staging.asIntBuffer().put((int[]) v);
            }
            CL.clEnqueueWriteBuffer(l.session.queues[queue], mem, false, 0, bytes, Pointer.to(staging), 0, null, null);
        }
    }

    private static final class FillStep extends Step {
        final cl_mem mem;
        final long bytes;
        final Pointer pattern;

        FillStep(String where, int queue, cl_mem mem, long bytes, float value) {
            super(where, queue);
            this.mem = mem;
            this.bytes = bytes;
            this.pattern = Pointer.to(new float[] {value});
        }

        @Override
        void enqueue(Loaded l, RunState st) {
            CL.clEnqueueFillBuffer(l.session.queues[queue], mem, pattern, Sizeof.cl_float, 0, bytes, 0, null, null);
        }
    }

    private static final class LaunchStep extends Step {
        final cl_kernel kernel;
        final String function;
        final String label;
        final long[] argSizes;
        final Pointer[] argValues;
        final long[] global;
        final long[] local;
        final int[] waitSlots;
        final int eventSlot;
        final int[] flushQueues;
        final int kernelId;
        final Arg[] args;

        LaunchStep(String where, int queue, cl_kernel kernel, String function, String label, long[] argSizes,
                   Pointer[] argValues, long[] global, long[] local, int[] waitSlots, int eventSlot, int[] flushQueues,
                   int kernelId, Arg[] args) {
            super(where, queue);
            this.kernelId = kernelId;
            this.args = args;
            this.kernel = kernel;
            this.function = function;
            this.label = label;
            this.argSizes = argSizes;
            this.argValues = argValues;
            this.global = global;
            this.local = local;
            this.waitSlots = waitSlots;
            this.eventSlot = eventSlot;
            this.flushQueues = flushQueues;
        }

        @Override
        void enqueue(Loaded l, RunState st) {
            // a kernel keeps its arguments between launches: set only those that differ from its last
            // launch (a recurrent step changes one or two offsets), which saves the host most of its calls
            Arg[] last = l.lastArgs[kernelId];
            l.lastArgs[kernelId] = null;
            for (int a = 0; a < argValues.length; a++) {
                if (last == null || !args[a].equals(last[a])) {
                    CL.clSetKernelArg(kernel, a, argSizes[a], argValues[a]);
                }
            }
            l.lastArgs[kernelId] = args;
            // OpenCL requires the queue of an awaited event to be flushed, else the wait may never end
            for (int q : flushQueues) {
                CL.clFlush(l.session.queues[q]);
            }
            cl_event[] waitList = null;
            if (waitSlots.length > 0) {
                waitList = new cl_event[waitSlots.length];
                for (int w = 0; w < waitSlots.length; w++) {
                    waitList[w] = st.events[waitSlots[w]];
                }
            }
            cl_event event = eventSlot >= 0 || st.profile ? new cl_event() : null;
            CL.clEnqueueNDRangeKernel(l.session.queues[queue], kernel, global.length, null, global, local,
                    waitList == null ? 0 : waitList.length, waitList, event);
            if (event != null) {
                Cl.created(event);
                st.created.add(event);
                if (eventSlot >= 0) {
                    st.events[eventSlot] = event;
                }
                if (st.profile) {
                    st.timed.add(event);
                    st.timedSteps.add(this);
                }
            }
        }
    }

    private static final class ReadStep extends TransferStep {
        ReadStep(String where, int queue, cl_mem mem, long bytes, String host, ByteBuffer staging) {
            super(where, queue, mem, bytes, host, staging);
        }

        @Override
        void enqueue(Loaded l, RunState st) {
            // non-blocking: the run finishes every queue before the data is taken out of the staging buffer
            CL.clEnqueueReadBuffer(l.session.queues[queue], mem, false, 0, bytes, Pointer.to(staging), 0, null, null);
        }

        float[] take() {
            float[] out = new float[(int) (bytes / 4)];
            staging.clear();
            staging.asFloatBuffer().get(out);
            return out;
        }
    }

    /** The state of one execution of a prepared list. */
    private static final class RunState {
        final Map<String, ?> host;
        final boolean profile;
        final cl_event[] events;
        final List<cl_event> created = new ArrayList<>();
        final List<cl_event> timed = new ArrayList<>();
        final List<LaunchStep> timedSteps = new ArrayList<>();

        RunState(Map<String, ?> host, boolean profile, int events) {
            this.host = host == null ? Map.of() : host;
            this.profile = profile;
            this.events = new cl_event[events];
        }
    }

    private cl_mem mem(int buffer) {
        return slots[plan.slotOf(buffer)];
    }

    /**
     * Resolves handles and argument values once. With {@code undo} (the run list), host transfers get
     * staging memory, whose release is added to {@code undo}; without (setup), writes go straight
     * from the Java arrays and wait.
     */
    private Step[] prepare(String list, List<Instr> instrs, List<Runnable> undo) {
        Map<Integer, Integer> dense = denseEvents(instrs);
        Map<Integer, Integer> eventQueue = new HashMap<>();
        Step[] steps = new Step[instrs.size()];
        for (int i = 0; i < instrs.size(); i++) {
            Instr in = instrs.get(i);
            String where = "program '" + program.name() + "' " + list + "[" + i + "] " + ProgramPrinter.line(program, in);
            if (in instanceof Instr.Write) {
                Instr.Write w = (Instr.Write) in;
                long bytes = program.buffer(w.buffer()).bytes();
                steps[i] = new WriteStep(where, w.queue(), mem(w.buffer()), bytes, w.host(),
                        undo != null ? staging(where, bytes, undo) : null);
            } else if (in instanceof Instr.Fill) {
                Instr.Fill f = (Instr.Fill) in;
                steps[i] = new FillStep(where, f.queue(), mem(f.buffer()), program.buffer(f.buffer()).bytes(), f.value());
            } else if (in instanceof Instr.Read) {
                Instr.Read r = (Instr.Read) in;
                long bytes = program.buffer(r.buffer()).bytes();
                if (undo == null) {
                    throw new IllegalStateException(where + ": setup cannot read");
                }
                steps[i] = new ReadStep(where, r.queue(), mem(r.buffer()), bytes, r.host(), staging(where, bytes, undo));
            } else {
                Instr.Launch l = (Instr.Launch) in;
                List<Arg> args = l.args();
                long[] sizes = new long[args.size()];
                Pointer[] values = new Pointer[args.size()];
                for (int a = 0; a < args.size(); a++) {
                    Arg arg = args.get(a);
                    if (arg instanceof Arg.Buffer) {
                        sizes[a] = Sizeof.cl_mem;
                        values[a] = Pointer.to(mem(((Arg.Buffer) arg).buffer()));
                    } else if (arg instanceof Arg.Int) {
                        sizes[a] = Sizeof.cl_int;
                        values[a] = Pointer.to(new int[] {((Arg.Int) arg).value()});
                    } else {
                        sizes[a] = Sizeof.cl_float;
                        values[a] = Pointer.to(new float[] {((Arg.Float) arg).value()});
                    }
                }
                int[] waits = new int[l.waits().size()];
                Set<Integer> flush = new LinkedHashSet<>();
                for (int w = 0; w < waits.length; w++) {
                    int e = l.waits().get(w);
                    waits[w] = dense.get(e);
                    if (eventQueue.get(e) != l.queue()) {
                        flush.add(eventQueue.get(e));
                    }
                }
                if (l.event() >= 0) {
                    eventQueue.put(l.event(), l.queue());
                }
                steps[i] = new LaunchStep(where, l.queue(), kernels[l.kernel()], program.kernel(l.kernel()).function(), l.label(),
                        sizes, values, l.global(), l.local(), waits, l.event() >= 0 ? dense.get(l.event()) : -1,
                        flush.stream().mapToInt(Integer::intValue).toArray(), l.kernel(), args.toArray(new Arg[0]));
            }
        }
        return steps;
    }

    /**
     * Host memory for one transfer of a run. Non-blocking transfers need memory the GC never moves; a
     * direct ByteBuffer would be freed only when the GC gets to it, so this is an OpenCL buffer in host
     * memory (pinned where the driver can: the fast path for transfers on GPUs), mapped once at load
     * and unmapped and released by {@link #close()}.
     */
    private ByteBuffer staging(String where, long bytes, List<Runnable> undo) {
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(where + ": host transfers are limited to " + Integer.MAX_VALUE
                    + " bytes, this one has " + bytes);
        }
        cl_mem mem = Cl.createHostBuffer(session.context.info, session.context.context, bytes, "host staging for " + where);
        ByteBuffer host;
        try {
            host = CL.clEnqueueMapBuffer(session.queues[0], mem, true, CL_MAP_READ | CL_MAP_WRITE, 0, bytes, 0, null, null, null);
        } catch (CLException e) {
            Cl.release(mem);
            throw Cl.fail("cannot map host staging for " + where, e);
        }
        host.order(ByteOrder.nativeOrder());
        Staging s = new Staging(mem, host);
        stagings.add(s);
        undo.add(() -> s.release(session.queues[0]));
        return host;
    }

    /** A mapped host-memory buffer used for one transfer. */
    private static final class Staging {
        final cl_mem mem;
        final ByteBuffer host;

        Staging(cl_mem mem, ByteBuffer host) {
            this.mem = mem;
            this.host = host;
        }

        void release(cl_command_queue queue) {
            try {
                CL.clEnqueueUnmapMemObject(queue, mem, host, 0, null, null);
                CL.clFinish(queue);
            } catch (CLException e) {
                throw Cl.fail("cannot unmap host staging", e);
            } finally {
                Cl.release(mem);
            }
        }
    }

    // ---- running ------------------------------------------------------------------------------

    /** Runs the program once; outputs by host name, in the order of the run's reads. */
    public Map<String, float[]> run(Map<String, ?> inputs) {
        return run(inputs, false).outputs();
    }

    /**
     * Runs the program once. With {@code profile}, every launch gets an event and its OpenCL profiling
     * times are returned, one {@link LaunchTiming} per launch in run order.
     *
     * @throws IllegalArgumentException when a host array the run writes is missing or of the wrong size
     * @throws OpenClException when an enqueue fails (naming the instruction) or the queues cannot finish
     */
    public RunResult run(Map<String, ?> inputs, boolean profile) {
        synchronized (session) {
            check();
            checkHost(program, "run", program.run(), inputs);
            return execute(runSteps, runEvents, inputs, profile);
        }
    }

    private RunResult execute(Step[] steps, int events, Map<String, ?> host, boolean profile) {
        long t0 = System.nanoTime();
        RunState st = new RunState(host, profile, events);
        RuntimeException failure = null;
        for (Step s : steps) {
            try {
                s.enqueue(this, st);
            } catch (CLException e) {
                failure = Cl.fail(s.where, e);
                break;
            } catch (RuntimeException e) {
                failure = e;
                break;
            }
        }
        long enqueued = System.nanoTime() - t0;
        // always finish: nothing enqueued may still refer to staging buffers or events once we return (the
        // program's queues: it enqueues on no others, and every run before it has finished its own)
        try {
            session.finish(program.queues());
        } catch (RuntimeException e) {
            failure = add(failure, e);
        }
        List<LaunchTiming> timings = new ArrayList<>();
        if (failure == null && profile) {
            try {
                for (int i = 0; i < st.timed.size(); i++) {
                    LaunchStep s = st.timedSteps.get(i);
                    cl_event e = st.timed.get(i);
                    timings.add(new LaunchTiming(s.label, s.function, s.queue, profile(e, CL_PROFILING_COMMAND_QUEUED),
                            profile(e, CL_PROFILING_COMMAND_START), profile(e, CL_PROFILING_COMMAND_END)));
                }
            } catch (CLException e) {
                failure = Cl.fail("clGetEventProfilingInfo", e);
            }
        }
        for (cl_event e : st.created) {
            try {
                Cl.release(e);
            } catch (RuntimeException x) {
                failure = add(failure, x);
            }
        }
        if (failure != null) {
            throw failure;
        }
        Map<String, float[]> outputs = new LinkedHashMap<>();
        for (Step s : steps) {
            if (s instanceof ReadStep) {
                outputs.put(((ReadStep) s).host, ((ReadStep) s).take());
            }
        }
        return new RunResult(outputs, timings, System.nanoTime() - t0, enqueued);
    }

    private static RuntimeException add(RuntimeException first, RuntimeException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    private static long profile(cl_event e, int what) {
        long[] v = new long[1];
        CL.clGetEventProfilingInfo(e, what, Sizeof.cl_ulong, Pointer.to(v), null);
        return v[0];
    }

    // ---- direct buffer access --------------------------------------------------------------------

    /**
     * Copies the whole of buffer {@code buffer} (a {@link BufferSpec.Role#PARAM} or
     * {@link BufferSpec.Role#OUTPUT} buffer, whose memory no other buffer shares) to the host, after
     * everything enqueued so far. Training reads its parameters and optimizer state this way.
     */
    public float[] readBuffer(String buffer) {
        synchronized (session) {
            check();
            BufferSpec spec = ownBuffer(buffer);
            float[] out = new float[(int) (spec.bytes() / 4)];
            try {
                session.finishAll();
                CL.clEnqueueReadBuffer(session.queues[0], mem(spec.id()), true, 0, spec.bytes(), Pointer.to(out), 0,
                        null, null);
            } catch (CLException e) {
                throw Cl.fail("reading buffer '" + buffer + "' of program '" + program.name() + "'", e);
            }
            return out;
        }
    }

    /** Replaces the contents of buffer {@code buffer} (as for {@link #readBuffer}), after everything enqueued so far. */
    public void writeBuffer(String buffer, float[] data) {
        synchronized (session) {
            check();
            BufferSpec spec = ownBuffer(buffer);
            if (4L * data.length != spec.bytes()) {
                throw new IllegalArgumentException("buffer '" + buffer + "' of program '" + program.name() + "' holds "
                        + spec.bytes() / 4 + " floats, " + data.length + " given");
            }
            try {
                session.finishAll();
                CL.clEnqueueWriteBuffer(session.queues[0], mem(spec.id()), true, 0, spec.bytes(), Pointer.to(data), 0,
                        null, null);
            } catch (CLException e) {
                throw Cl.fail("writing buffer '" + buffer + "' of program '" + program.name() + "'", e);
            }
        }
    }

    private BufferSpec ownBuffer(String name) {
        for (BufferSpec b : program.buffers()) {
            if (b.name().equals(name)) {
                if (b.role() != BufferSpec.Role.PARAM && b.role() != BufferSpec.Role.OUTPUT) {
                    throw new IllegalArgumentException("buffer '" + name + "' of program '" + program.name()
                            + "' is a " + b.role() + " buffer; only PARAM and OUTPUT buffers can be read or written");
                }
                return b;
            }
        }
        throw new IllegalArgumentException("program '" + program.name() + "' has no buffer '" + name + "'");
    }

    // ---- the rest -----------------------------------------------------------------------------

    public Program program() {
        return program;
    }

    public Session session() {
        return session;
    }

    /** Which allocation holds each buffer. */
    public MemoryPlan memoryPlan() {
        return plan;
    }

    /** Planned bytes (after sharing), unshared bytes and peak bytes of this program's buffers. */
    public MemoryReport memoryReport() {
        return plan.report();
    }

    private void check() {
        if (closed) {
            throw new IllegalStateException("program '" + program.name() + "' has been closed");
        }
        session.check();
    }

    /** Releases the kernels and buffers; the built program stays cached in the session. */
    @Override
    public void close() {
        synchronized (session) {
            if (closed) {
                return;
            }
            closed = true;
            List<Runnable> releases = new ArrayList<>();
            for (cl_kernel k : kernels) {
                releases.add(() -> Cl.release(k));
            }
            for (Staging st : stagings) {
                releases.add(() -> st.release(session.queues[0]));
            }
            for (cl_mem m : slots) {
                releases.add(() -> Cl.release(m));
            }
            session.forget(this);
            Cl.all(releases);
        }
    }
}
