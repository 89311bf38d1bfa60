package io.recurflow.runtime.program;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Which device allocation (slot) holds each buffer of a {@link Program}. INPUT, PARAM and OUTPUT
 * buffers, and TEMP buffers that setup mentions (their contents must outlive setup), get a slot each.
 * The other TEMP buffers are scratch within one run and share slots when their uses cannot overlap.
 *
 * <p>The rule, valid for any number of queues: buffer B may join a slot when every run instruction
 * using a buffer already in the slot happens before every run instruction using B — the same queue
 * earlier (queues are in order), or ordered through event waits (see {@link Instr.Launch#waits()}).
 * On one queue this is the usual "last use of A comes before first use of B" by instruction index; on
 * several queues, buffers used on different queues with no event chain between them never share.
 * Runs are separated by a finish of every queue, so lifetimes never cross from one run into the next.
 *
 * <p>Greedy: TEMP buffers in order of first use (then id); each takes the smallest compatible slot at
 * least its size, else grows the largest compatible slot, else opens a new slot. The program must pass
 * {@link ProgramVerifier} first.
 */
public final class MemoryPlan {
    private final int[] slotOf;
    private final long[] slotBytes;
    private final long unsharedBytes;
    private final long peakBytes;

    private MemoryPlan(int[] slotOf, long[] slotBytes, long unsharedBytes, long peakBytes) {
        this.slotOf = slotOf;
        this.slotBytes = slotBytes;
        this.unsharedBytes = unsharedBytes;
        this.peakBytes = peakBytes;
    }

    /** The plan that shares TEMP buffers by the rule above. */
    public static MemoryPlan of(Program p) {
        return plan(p, true);
    }

    /** One slot per buffer: the plan without sharing, to compare against or to debug a suspected overlap. */
    public static MemoryPlan unshared(Program p) {
        return plan(p, false);
    }

    private static final class Slot {
        final int id;
        long bytes;
        final int[] lastSeq;

        Slot(int id, long bytes, int queues) {
            this.id = id;
            this.bytes = bytes;
            this.lastSeq = new int[queues];
        }
    }

    private static MemoryPlan plan(Program p, boolean share) {
        int n = p.buffers().size();
        int queues = Math.max(1, p.queues());
        List<Instr> run = p.run();
        boolean[] shareable = new boolean[n];
        long unshared = 0;
        for (BufferSpec b : p.buffers()) {
            shareable[b.id()] = b.role() == BufferSpec.Role.TEMP;
            unshared += b.bytes();
        }
        for (Instr in : p.setup()) {
            for (int b : in.buffers()) {
                shareable[b] = false;
            }
        }
        boolean[] pinned = new boolean[n];
        for (int b = 0; b < n; b++) {
            pinned[b] = !shareable[b] || !share;
        }
        // uses of each buffer in run: first and last index, last position on each queue, first use on each queue
        int[] first = new int[n];
        int[] last = new int[n];
        Arrays.fill(first, Integer.MAX_VALUE);
        Arrays.fill(last, -1);
        int[][] lastSeq = new int[n][queues];
        int[][] firstOnQueue = new int[n][queues];
        for (int[] f : firstOnQueue) {
            Arrays.fill(f, -1);
        }
        Ordering order = Ordering.of(run, queues);
        for (int i = 0; i < run.size(); i++) {
            Instr in = run.get(i);
            int q = order.queue(i);
            for (int b : in.buffers()) {
                first[b] = Math.min(first[b], i);
                last[b] = Math.max(last[b], i);
                lastSeq[b][q] = Math.max(lastSeq[b][q], order.seq(i));
                if (firstOnQueue[b][q] < 0) {
                    firstOnQueue[b][q] = i;
                }
            }
        }

        int[] slotOf = new int[n];
        List<Slot> slots = new ArrayList<>();
        for (int b = 0; b < n; b++) {
            if (pinned[b]) {
                slotOf[b] = slots.size();
                slots.add(new Slot(slots.size(), p.buffer(b).bytes(), queues));
            }
        }
        List<Integer> temps = new ArrayList<>();
        for (int b = 0; b < n; b++) {
            if (!pinned[b]) {
                temps.add(b);
            }
        }
        temps.sort(Comparator.<Integer>comparingInt(b -> first[b]).thenComparingInt(b -> b));
        List<Slot> shared = new ArrayList<>();
        for (int b : temps) {
            long bytes = p.buffer(b).bytes();
            Slot fit = null;
            Slot largest = null;
            for (Slot s : shared) {
                if (!after(s, b, firstOnQueue[b], order, queues)) {
                    continue;
                }
                if (s.bytes >= bytes && (fit == null || s.bytes < fit.bytes)) {
                    fit = s;
                }
                if (largest == null || s.bytes > largest.bytes) {
                    largest = s;
                }
            }
            Slot chosen = fit != null ? fit : largest;
            if (chosen == null) {
                chosen = new Slot(slots.size(), bytes, queues);
                slots.add(chosen);
                shared.add(chosen);
            }
            chosen.bytes = Math.max(chosen.bytes, bytes);
            for (int q = 0; q < queues; q++) {
                chosen.lastSeq[q] = Math.max(chosen.lastSeq[q], lastSeq[b][q]);
            }
            slotOf[b] = chosen.id;
        }
        long[] slotBytes = new long[slots.size()];
        for (Slot s : slots) {
            slotBytes[s.id] = s.bytes;
        }
        return new MemoryPlan(slotOf, slotBytes, unshared, peak(p, shareable, first, last));
    }

    /**
     * Whether every use recorded in {@code s} happens strictly before every use of buffer b. Checking
     * b's first use on each queue suffices: later uses on the same queue come after it.
     */
    private static boolean after(Slot s, int b, int[] firstOnQueue, Ordering order, int queues) {
        for (int qb = 0; qb < queues; qb++) {
            int use = firstOnQueue[qb];
            if (use < 0) {
                continue;
            }
            for (int q = 0; q < queues; q++) {
                // on b's own queue the clock counts the use itself; only what comes before it counts
                int seen = q == qb ? order.seq(use) - 1 : order.clock(use, q);
                if (s.lastSeq[q] > seen) {
                    return false;
                }
            }
        }
        return true;
    }

    private static long peak(Program p, boolean[] shareable, int[] first, int[] last) {
        int steps = p.run().size();
        long base = 0;
        long[] delta = new long[steps + 1];
        for (BufferSpec b : p.buffers()) {
            int id = b.id();
            if (!shareable[id]) {
                base += b.bytes();
            } else if (last[id] >= 0) {
                delta[first[id]] += b.bytes();
                delta[last[id] + 1] -= b.bytes();
            }
        }
        long live = 0;
        long max = 0;
        for (int i = 0; i < steps; i++) {
            live += delta[i];
            max = Math.max(max, live);
        }
        return base + max;
    }

    /** The slot (device allocation) of buffer {@code buffer}. */
    public int slotOf(int buffer) {
        return slotOf[buffer];
    }

    /** The number of slots, i.e. of device allocations. */
    public int slots() {
        return slotBytes.length;
    }

    /** The size of slot {@code slot}: the largest buffer it holds. */
    public long slotBytes(int slot) {
        return slotBytes[slot];
    }

    /** The buffer ids slot {@code slot} holds, in increasing order. */
    public List<Integer> buffersIn(int slot) {
        List<Integer> out = new ArrayList<>();
        for (int b = 0; b < slotOf.length; b++) {
            if (slotOf[b] == slot) {
                out.add(b);
            }
        }
        return out;
    }

    /** The bytes the plan allocates: the sum of the slot sizes. */
    public long plannedBytes() {
        long sum = 0;
        for (long b : slotBytes) {
            sum += b;
        }
        return sum;
    }

    /** The bytes one allocation per buffer would take. */
    public long unsharedBytes() {
        return unsharedBytes;
    }

    /**
     * The most bytes live at once: every buffer that is not shareable, plus the shareable TEMP buffers
     * whose first-to-last run instruction span covers the busiest instruction. No plan can go below it.
     */
    public long peakBytes() {
        return peakBytes;
    }

    /** Planned, unshared and peak bytes with the allocation and buffer counts. */
    public MemoryReport report() {
        return new MemoryReport(plannedBytes(), unsharedBytes, peakBytes, slots(), slotOf.length);
    }

    /** One line per slot: {@code slot 2 1024 bytes: b3 b5}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int s = 0; s < slots(); s++) {
            sb.append("slot ").append(s).append(' ').append(slotBytes[s]).append(" bytes:");
            for (int b : buffersIn(s)) {
                sb.append(" b").append(b);
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
