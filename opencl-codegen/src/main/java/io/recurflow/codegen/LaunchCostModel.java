package io.recurflow.codegen;

import io.recurflow.runtime.program.Instr;
import io.recurflow.runtime.program.Program;
import java.util.List;

/**
 * The time of a launch on a device, from a few measured constants: a fixed overhead, the GEMM's
 * arithmetic rate, memory bandwidth, and a per-work-item cost for the element-wise kernels; and the
 * delay of an event that crosses queues. Microseconds throughout.
 *
 * <p>A launch costs overhead + max(flops / rate, bytes / bandwidth) + items · itemCost, a roofline
 * with a floor. {@code concurrentQueues} says whether the device runs commands of several queues at
 * once. {@code groupSize} is the work-group size of the kernels that run a recurrence in one launch:
 * on a CPU one work-item (PoCL then runs the group as a plain loop that needs no barriers:
 * measured here twice as fast as 256 work-items), on a GPU a full group; {@code oneGroupGflops} is the
 * rate of the matrix-vector products such a kernel does for one row (measured with one group on the device),
 * {@code oneGroupRowsGflops} its rate for a block of four rows (weights as [k, n]: each weight vector
 * loaded once for the four). {@code overlap} is the fraction of the ideal gain that two one-group
 * recurrences on two queues achieve (1: they take as long as one; 0: as long as both in turn), and
 * {@code groupOverlap} the same for two work-groups of one launch; measured on the device, since
 * hardware threads that share a core's caches overlap busy loops well and matrix-vector products hardly. {@link #predict} simulates a whole program on its in-order queues with their event
 * waits, which is what {@code analyze} and {@code bench} report as the predicted time of a mode.
 */
public record LaunchCostModel(double overheadUs, double gflops, double gbPerS, double itemNs, double eventUs,
                              int units, boolean concurrentQueues, int groupSize, double oneGroupGflops,
                              double oneGroupRowsGflops, double overlap, double groupOverlap, String source) {
    /**
     * Constants for a 2-core AVX-512 CPU under PoCL, used until the device has been calibrated: queues
     * that overlap nothing, work-groups of one launch that overlap fully.
     */
    public static final LaunchCostModel DEFAULT = new LaunchCostModel(12, 150, 20, 0.5, 5, 2, false, 1, 20, 40, 0, 1,
            "built-in defaults");

    /** What one launch does: floating-point operations, bytes moved and work-items, plus time known otherwise. */
    public record Work(double flops, double bytes, double items, double knownUs) {
        public Work(double flops, double bytes, double items) {
            this(flops, bytes, items, 0);
        }

        /** Work whose time is already known (priced by other means, e.g. a one-launch recurrence). */
        public static Work ofMicros(double us) {
            return new Work(0, 0, 0, us);
        }
    }

    public double launchUs(Work w) {
        return overheadUs + Math.max(w.flops() / (gflops * 1e3), w.bytes() / (gbPerS * 1e3)) + w.items() * itemNs / 1e3
                + w.knownUs();
    }

    /**
     * The predicted wall time of one run of {@code p}: every launch on its queue after the queue's
     * previous launch and after the launches it waits on (plus an event's delay); {@code work[i]} is
     * the work of run instruction i (null for transfers, which are not counted).
     */
    public double predict(Program p, List<Work> work) {
        double serial = simulate(p, work, false);
        if (!concurrentQueues || p.queues() == 1) {
            return serial;
        }
        return blend(serial, simulate(p, work, true));
    }

    /**
     * The time of work that takes {@code serialUs} in turn and {@code parallelUs} with every queue
     * running side by side: the measured fraction {@link #overlap} of the difference is saved.
     */
    public double blend(double serialUs, double parallelUs) {
        return serialUs - overlap * Math.max(0, serialUs - parallelUs);
    }

    /**
     * The time of work-groups of one launch side by side that take {@code totalUs} in turn and
     * {@code longestUs} for the longest: the measured fraction {@link #groupOverlap} of the difference is saved.
     */
    public double groupsUs(double totalUs, double longestUs) {
        return totalUs - groupOverlap * Math.max(0, totalUs - longestUs);
    }

    /** The program's time with its queues side by side ({@code concurrent}) or as one queue. */
    private double simulate(Program p, List<Work> work, boolean concurrent) {
        double[] queueFree = new double[concurrent ? p.queues() : 1];
        java.util.Map<Integer, Double> eventDone = new java.util.HashMap<>();
        double end = 0;
        for (int i = 0; i < p.run().size(); i++) {
            if (!(p.run().get(i) instanceof Instr.Launch l) || work.get(i) == null) {
                continue;
            }
            int q = concurrent ? l.queue() : 0;
            double start = queueFree[q];
            for (int e : l.waits()) {
                start = Math.max(start, eventDone.getOrDefault(e, 0.0) + eventUs);
            }
            double finish = start + launchUs(work.get(i));
            queueFree[q] = finish;
            if (l.event() >= 0) {
                eventDone.put(l.event(), finish);
            }
            end = Math.max(end, finish);
        }
        return end;
    }
}
