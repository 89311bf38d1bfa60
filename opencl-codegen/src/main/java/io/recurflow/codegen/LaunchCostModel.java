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
 * hardware threads that share a core's caches overlap busy loops well and matrix-vector products hardly.
 * {@code gemmRates}, where measured, is the GEMM's rate by its number of rows (few rows keep the vector
 * units busy only in part; many amortize the weights); {@code gflops} is the rate at 256 rows.
 * {@code host} prices a run's inputs and outputs on the host (the caller's tensors to and from floats,
 * through the staging memory, each transfer a command of its own), before the first launch and after
 * the last. {@code longOverheadUs} is the overhead of a launch of a kernel that loops over steps of
 * recurrences, a work-group each (measured on a chain of such kernels and GEMMs, as a wavefront issues
 * them: on a CPU device a thread whose group is done goes to sleep and must be woken), where other
 * launches pay {@code overheadUs}. {@code gbPerS} and {@code itemNs} are measured over
 * {@link #BIG_ITEMS} items (memory), {@code small} where measured over {@link Small#ITEMS} (the caches,
 * where a step's tensors live); between the two sizes they are interpolated in log2 of the bytes or
 * items. {@code stepRates}, where measured, are the one-group rates of a recurrence whose every step is a
 * launch of its own (measured on chains of one-step launches; on a CPU device the steps move between its
 * threads and their caches), where {@code oneGroupGflops} and {@code oneGroupRowsGflops} are those of
 * steps looped over in one launch. {@link #predict} simulates a whole program on its in-order queues
 * with their event waits, which is what {@code analyze} and {@code bench} report as the predicted time of a mode.
 */
public record LaunchCostModel(double overheadUs, double gflops, double gbPerS, double itemNs, double eventUs,
                              int units, boolean concurrentQueues, int groupSize, double oneGroupGflops,
                              double oneGroupRowsGflops, double overlap, double groupOverlap, GemmRates gemmRates,
                              Host host, double longOverheadUs, Small small, StepRates stepRates, String source) {
    /** A model whose one-step launches of a recurrence run their products at the one-group rates. */
    public LaunchCostModel(double overheadUs, double gflops, double gbPerS, double itemNs, double eventUs, int units,
                           boolean concurrentQueues, int groupSize, double oneGroupGflops, double oneGroupRowsGflops,
                           double overlap, double groupOverlap, GemmRates gemmRates, Host host, double longOverheadUs,
                           Small small, String source) {
        this(overheadUs, gflops, gbPerS, itemNs, eventUs, units, concurrentQueues, groupSize, oneGroupGflops,
                oneGroupRowsGflops, overlap, groupOverlap, gemmRates, host, longOverheadUs, small, null, source);
    }

    /**
     * A model whose GEMMs all run at {@code gflops}, less for few rows (efficiency M / (M + 4)), and
     * whose host transfers cost nothing.
     */
    public LaunchCostModel(double overheadUs, double gflops, double gbPerS, double itemNs, double eventUs, int units,
                           boolean concurrentQueues, int groupSize, double oneGroupGflops, double oneGroupRowsGflops,
                           double overlap, double groupOverlap, String source) {
        this(overheadUs, gflops, gbPerS, itemNs, eventUs, units, concurrentQueues, groupSize, oneGroupGflops,
                oneGroupRowsGflops, overlap, groupOverlap, null, Host.FREE, overheadUs, null, null, source);
    }

    /** Bandwidth and per-item cost of the element-wise kernels measured over {@link #ITEMS} items. */
    public record Small(double gbPerS, double itemNs) {
        public static final int ITEMS = 1 << 16;
    }

    /**
     * The one-group products' rates, for one row and for a block of four, when each step is a launch of its
     * own, in GFLOP/s.
     */
    public record StepRates(double oneRowGflops, double fourRowsGflops) {
    }

    /** The one-group rate for one row ({@code rows} 1) or a block of four, a launch per step or looped. */
    public double oneGroupRate(int rows, boolean perLaunch) {
        boolean one = rows == 1;
        if (perLaunch && stepRates != null) {
            return one ? stepRates.oneRowGflops() : stepRates.fourRowsGflops();
        }
        return one ? oneGroupGflops : oneGroupRowsGflops;
    }

    /** Items of the calibration's large element-wise kernels (two float buffers: 32 MiB). */
    public static final int BIG_ITEMS = 1 << 22;

    /** The bandwidth for a launch that moves {@code bytes}. */
    public double bandwidth(double bytes) {
        return small == null ? gbPerS : between(bytes, 8.0 * Small.ITEMS, 8.0 * BIG_ITEMS, small.gbPerS(), gbPerS);
    }

    /** The cost per element-wise item for a launch of {@code items}. */
    public double itemCost(double items) {
        return small == null ? itemNs : between(items, Small.ITEMS, BIG_ITEMS, small.itemNs(), itemNs);
    }

    /** {@code atLo} to {@code atHi} as {@code x} goes from {@code lo} to {@code hi} in log2, clamped at both ends. */
    private static double between(double x, double lo, double hi, double atLo, double atHi) {
        double f = Math.max(0, Math.min(1, (Math.log(Math.max(x, 1)) - Math.log(lo)) / (Math.log(hi) - Math.log(lo))));
        return atLo + f * (atHi - atLo);
    }

    /**
     * The host's side of a run: a fixed cost per write or read (its command, its share of the run's
     * start and finish) and a cost per byte of its transfers; the host's time to enqueue a launch; and
     * whether the device runs on the host's own cores (a CPU device), so that while the host enqueues,
     * a kernel spread over every compute unit has one fewer.
     */
    public record Host(double usPerTransfer, double nsPerByte, double usPerLaunch, boolean sharesCores) {
        public static final Host FREE = new Host(0, 0, 0, false);

        public Host(double usPerTransfer, double nsPerByte) {
            this(usPerTransfer, nsPerByte, 0, false);
        }
    }

    /**
     * A GEMM's measured rate at a few row counts, ascending; between them the rate is interpolated in
     * log2 of the rows, beyond them it is the nearest one's.
     */
    public record GemmRates(int[] rows, double[] gflops) {
        public GemmRates {
            if (rows.length == 0 || rows.length != gflops.length) {
                throw new IllegalArgumentException("a rate for each row count, at least one");
            }
            for (int i = 0; i < rows.length; i++) {
                if (rows[i] < 1 || (i > 0 && rows[i] <= rows[i - 1]) || !(gflops[i] > 0)) {
                    throw new IllegalArgumentException("row counts ascending from 1, rates positive");
                }
            }
            rows = rows.clone();
            gflops = gflops.clone();
        }

        public double at(int m) {
            if (m <= rows[0]) {
                return gflops[0];
            }
            for (int i = 1; i < rows.length; i++) {
                if (m <= rows[i]) {
                    return between(m, rows[i - 1], rows[i], gflops[i - 1], gflops[i]);
                }
            }
            return gflops[rows.length - 1];
        }
    }

    /**
     * Constants for a 2-core AVX-512 CPU under PoCL, used until the device has been calibrated: queues
     * that overlap nothing, work-groups of one launch that overlap fully.
     */
    public static final LaunchCostModel DEFAULT = new LaunchCostModel(12, 150, 20, 0.5, 5, 2, false, 1, 20, 40, 0, 1,
            "built-in defaults");

    /**
     * What one launch does: floating-point operations, bytes moved and work-items, plus time known
     * otherwise; {@code gemmRows} > 0 when the flops are a GEMM's over that many rows.
     */
    public record Work(double flops, double bytes, double items, double knownUs, int gemmRows, boolean recurrence) {
        public Work(double flops, double bytes, double items) {
            this(flops, bytes, items, 0, 0, false);
        }

        /** A kernel that loops over steps of recurrences, taking {@code us} besides its overhead. */
        public static Work recurrence(double us) {
            return new Work(0, 0, 0, us, 0, true);
        }

        /** A GEMM of {@code rows} rows: priced at the GEMM's rate for that many rows. */
        public static Work gemm(double flops, double bytes, int rows) {
            return new Work(flops, bytes, 0, 0, rows, false);
        }

        /** Work whose time is already known (priced by other means, e.g. a one-launch recurrence). */
        public static Work ofMicros(double us) {
            return new Work(0, 0, 0, us, 0, false);
        }
    }

    public double launchUs(Work w) {
        double work = Math.max(w.flops() / (rate(w.gemmRows()) * 1e3), w.bytes() / (bandwidth(w.bytes()) * 1e3))
                + w.items() * itemCost(w.items()) / 1e3 + w.knownUs();
        return (w.recurrence() ? recurrenceOverheadUs() : overheadUs) + work;
    }

    /** The overhead of a launch of a kernel that loops over steps of recurrences (never below the other). */
    public double recurrenceOverheadUs() {
        return Math.max(overheadUs, longOverheadUs);
    }

    /** The arithmetic rate of a GEMM over {@code rows} rows (0: not a GEMM), in GFLOP/s. */
    public double rate(int rows) {
        if (rows <= 0) {
            return gflops;
        }
        return gemmRates != null ? gemmRates.at(rows) : gflops * rows / (rows + 4.0);
    }

    /**
     * The predicted wall time of one run of {@code p}: every launch on its queue after the queue's
     * previous launch and after the launches it waits on (plus an event's delay); {@code work[i]} is
     * the work of run instruction i (null for transfers, which {@link #hostUs} prices).
     */
    public double predict(Program p, List<Work> work) {
        double serial = simulate(p, work, false);
        double device = !concurrentQueues || p.queues() == 1 ? serial : blend(serial, simulate(p, work, true));
        return device + hostUs(p);
    }

    /** The time of each launch of {@code p}'s run, in order ({@link #launchUs}; unpriced ones NaN). */
    public List<Double> launchTimes(Program p, List<Work> work) {
        List<Double> us = new java.util.ArrayList<>();
        for (int i = 0; i < p.run().size(); i++) {
            if (p.run().get(i) instanceof Instr.Launch) {
                us.add(work.get(i) == null ? Double.NaN : launchUs(work.get(i)));
            }
        }
        return us;
    }

    /** The host's part of one run of {@code p}: its writes and reads, priced per transfer and per byte. */
    public double hostUs(Program p) {
        double bytes = 0;
        int transfers = 0;
        for (Instr i : p.run()) {
            if (i instanceof Instr.Write w) {
                bytes += p.buffer(w.buffer()).bytes();
                transfers++;
            } else if (i instanceof Instr.Read r) {
                bytes += p.buffer(r.buffer()).bytes();
                transfers++;
            }
        }
        return transfers * host.usPerTransfer() + bytes * host.nsPerByte() / 1e3;
    }

    /**
     * The shortest kernel that the host's enqueueing slows: a shorter one hardly gets a second worker
     * thread anyway (measured here: the 1-row GEMMs of a naive run took 11.5 µs on average while the host
     * enqueued without a break, against 18-22 µs calibrated with both threads free).
     */
    static final double CONTENDED_US = 50;

    /**
     * The time a launch starting at {@code startUs} loses to the host while the host enqueues until
     * {@code hostDoneUs}: its work (not its overhead) runs on {@code units − 1} of the units meanwhile,
     * when the device shares the host's cores and the kernel spreads over all of them.
     */
    double hostContentionUs(Work w, double startUs, double hostDoneUs) {
        if (!host.sharesCores() || units < 2 || w.recurrence() || w.knownUs() > 0 || startUs >= hostDoneUs) {
            return 0;
        }
        double workUs = launchUs(w) - overheadUs;
        if (workUs < CONTENDED_US) {
            return 0;
        }
        double rate = (units - 1) / (double) units;
        double window = hostDoneUs - startUs;
        // done within the window at the lower rate, or the window's share at it and the rest at full speed
        return workUs <= window * rate ? workUs / rate - workUs : window - window * rate;
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

    /**
     * The program's time with its queues side by side ({@code concurrent}) or as one queue. The host
     * enqueues the launches one after another, {@link Host#usPerLaunch} each: none starts before it is
     * enqueued, and on a device that {@link Host#sharesCores shares the host's cores} a kernel spread
     * over all of them (not a recurrence's work-groups) runs on one core fewer until the host is done.
     */
    private double simulate(Program p, List<Work> work, boolean concurrent) {
        double[] queueFree = new double[concurrent ? p.queues() : 1];
        java.util.Map<Integer, Double> eventDone = new java.util.HashMap<>();
        double end = 0;
        double hostDone = p.run().stream().filter(i -> i instanceof Instr.Launch).count() * host.usPerLaunch();
        double enqueued = 0;
        for (int i = 0; i < p.run().size(); i++) {
            if (!(p.run().get(i) instanceof Instr.Launch l)) {
                continue;
            }
            enqueued += host.usPerLaunch();
            if (work.get(i) == null) {
                continue;
            }
            int q = concurrent ? l.queue() : 0;
            double start = Math.max(queueFree[q], enqueued);
            for (int e : l.waits()) {
                start = Math.max(start, eventDone.getOrDefault(e, 0.0) + eventUs);
            }
            double finish = start + launchUs(work.get(i)) + hostContentionUs(work.get(i), start, hostDone);
            queueFree[q] = finish;
            if (l.event() >= 0) {
                eventDone.put(l.event(), finish);
            }
            end = Math.max(end, finish);
        }
        return end;
    }
}
