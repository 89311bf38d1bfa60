package io.recurflow.runtime;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * Repeats a workload until the JVM's just-in-time compiler has gone quiet, so that what is measured
 * next is not shared with a compiler thread. On a machine of few cores that matters: a compiler thread
 * busy for the first second of a process takes a core from the device's worker threads (PoCL runs
 * a CPU device on as many threads as there are cores). Measured here, two one-work-group recurrences of
 * one launch took twice as long as one in the first runs of a process and as long as one afterwards;
 * with the interpreter only ({@code -Xint}), as long as one from the first run.
 */
public final class JitWarmup {
    /** How long the compiler must have added no compilation time to count as quiet. */
    static final long QUIET_NANOS = 150_000_000L;

    private JitWarmup() {
    }

    /**
     * Runs {@code work} at least {@code minRuns} times, then on until the compiler has added no
     * compilation time for {@link #QUIET_NANOS} (and for two runs at least), or until {@code maxMillis}
     * have passed since the start. Without a compilation monitor (an interpreter-only JVM), just the
     * {@code minRuns}.
     *
     * @return the runs done
     */
    public static int run(Runnable work, int minRuns, long maxMillis) {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean monitored = jit != null && jit.isCompilationTimeMonitoringSupported();
        long start = System.nanoTime();
        long deadline = start + maxMillis * 1_000_000L;
        int runs = 0;
        long lastTotal = monitored ? jit.getTotalCompilationTime() : 0;
        long quietSince = System.nanoTime();
        int quietRuns = 0;
        while (true) {
            work.run();
            runs++;
            if (!monitored) {
                if (runs >= minRuns) {
                    return runs;
                }
                continue;
            }
            long total = jit.getTotalCompilationTime();
            long now = System.nanoTime();
            if (total != lastTotal) {
                lastTotal = total;
                quietSince = now;
                quietRuns = 0;
            } else {
                quietRuns++;
            }
            boolean quiet = quietRuns >= 2 && now - quietSince >= QUIET_NANOS;
            if (runs >= minRuns && (quiet || now >= deadline)) {
                return runs;
            }
        }
    }
}
