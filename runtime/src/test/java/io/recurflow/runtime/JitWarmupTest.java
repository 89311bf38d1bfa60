package io.recurflow.runtime;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class JitWarmupTest {
    @Test
    void runsAtLeastTheRunsAskedForAndStopsOnceTheCompilerIsQuietOrTheTimeIsUp() {
        AtomicInteger runs = new AtomicInteger();
        int done = JitWarmup.run(runs::incrementAndGet, 5, 10_000);
        assertTrue(done >= 5, "at least the runs asked for: " + done);
        assertTrue(done == runs.get(), "reports the runs it did");

        // however the compiler behaves, the warm-up ends near its limit
        AtomicInteger n = new AtomicInteger();
        long start = System.nanoTime();
        JitWarmup.run(() -> {
            sleep(5);
            n.incrementAndGet();
        }, 1, 300);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(n.get() >= 1, "ran the one run asked for");
        assertTrue(ms < 300 + 2000, "stopped near its limit of 300 ms, took " + ms + " ms");
    }

    @Test
    void aQuietCompilerNeedsTwoRunsAndTheQuietTime() {
        // runs of 60 ms with nothing to compile: quiet after two runs and 150 ms, so three runs or so, not one
        AtomicInteger n = new AtomicInteger();
        JitWarmup.run(() -> {
            sleep(60);
            n.incrementAndGet();
        }, 1, 10_000);
        assertTrue(n.get() >= 2 && n.get() < 100, "runs: " + n.get());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void readsTheCompilerThreadsCpuTimeWhereProcShowsItNeverGoingBack() throws Exception {
        long before = JitWarmup.compilerTicks();
        assertTrue(before >= 0);
        // enough work for the compiler to have something to do
        double x = 0;
        for (int i = 0; i < 5_000_000; i++) {
            x += Math.sqrt(i) % 7;
        }
        assertTrue(x > 0);
        long after = JitWarmup.compilerTicks();
        assertTrue(after >= before, before + " then " + after);
        if (java.nio.file.Files.isDirectory(java.nio.file.Path.of("/proc/self/task"))) {
            // HotSpot names its compiler threads so: the ticks come from them (a forked test JVM has compiled
            // plenty by now)
            assertTrue(after > 0, "compiler threads' ticks on Linux: " + after);
        }
    }
}
