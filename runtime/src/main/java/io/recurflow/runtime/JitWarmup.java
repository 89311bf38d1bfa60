package io.recurflow.runtime;

import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Repeats a workload until the JVM's just-in-time compiler has gone quiet, so that what is measured
 * next is not shared with a compiler thread. On a machine of few cores that matters: a compiler thread
 * busy for the first second of a process takes a core from the device's worker threads (PoCL runs
 * a CPU device on as many threads as there are cores). Measured here, two one-work-group recurrences of
 * one launch took twice as long as one in the first runs of a process and as long as one afterwards;
 * with the interpreter only ({@code -Xint}), as long as one from the first run.
 *
 * <p>Quiet means that for {@link #QUIET_NANOS} the compiler has finished no compilation (the JVM's
 * total compilation time has not grown) and, where {@code /proc} shows them (Linux), its threads have
 * used no CPU time: a long compilation still running adds to the total only when it ends.
 */
public final class JitWarmup {
    /** How long the compiler must have been idle to count as quiet. */
    static final long QUIET_NANOS = 150_000_000L;

    private static final Path TASKS = Path.of("/proc/self/task");

    private JitWarmup() {
    }

    /**
     * Runs {@code work} at least {@code minRuns} times, then on until the compiler has been quiet for
     * {@link #QUIET_NANOS} (and for two runs at least), or until {@code maxMillis} have passed since the
     * start. Without a way to watch the compiler (an interpreter-only JVM), just the {@code minRuns}.
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
        long lastTicks = compilerTicks();
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
            long ticks = compilerTicks();
            long now = System.nanoTime();
            if (total != lastTotal || ticks != lastTicks) {
                lastTotal = total;
                lastTicks = ticks;
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

    /**
     * The CPU time the JIT compiler's threads have used, in clock ticks, from {@code /proc/self/task}
     * (threads named "C1 CompilerThre…", "C2 CompilerThre…" by HotSpot); 0 where that cannot be read.
     */
    static long compilerTicks() {
        if (!Files.isDirectory(TASKS)) {
            return 0;
        }
        long ticks = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                try {
                    if (!Files.readString(task.resolve("comm")).contains("CompilerThre")) {
                        continue;
                    }
                    // after the command name in parentheses: state, then 10 fields, then utime and stime
                    String stat = Files.readString(task.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
                    ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                } catch (IOException | RuntimeException e) {
                    // a thread that ended meanwhile, or a format this does not know: not counted
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return ticks;
    }
}
