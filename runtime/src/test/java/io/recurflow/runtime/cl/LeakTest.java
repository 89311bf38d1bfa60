package io.recurflow.runtime.cl;

import static io.recurflow.runtime.cl.ClTestSupport.assertClose;
import static io.recurflow.runtime.program.TestPrograms.buf;
import static io.recurflow.runtime.program.TestPrograms.floats;
import static io.recurflow.runtime.program.TestPrograms.read;
import static io.recurflow.runtime.program.TestPrograms.scale;
import static io.recurflow.runtime.program.TestPrograms.vadd;
import static io.recurflow.runtime.program.TestPrograms.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.runtime.program.BufferSpec.Role;
import io.recurflow.runtime.program.Program;
import io.recurflow.runtime.program.TestPrograms;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Load-and-run cycles must give back every OpenCL object and not grow the process. Each of the 300
 * cycles creates and releases a context, two queues, a program (from the kept device binary, as any
 * new context on the device would), two kernels, five device buffers (two TEMPs share one), two
 * staging buffers and the run's events; a separate part compiles and releases ten distinct programs.
 */
class LeakTest {
    static final int N = 1 << 16;

    /** y = 0.5·(2·(x + w)) = x + w over two queues: vadd on q0 → e0, two scales on q1 after e0. */
    static Program twoQueues(int n) {
        long bytes = 4L * n;
        return TestPrograms.program("leak_two_queues",
                List.of(buf(0, "x", bytes, Role.INPUT), buf(1, "w", bytes, Role.PARAM), buf(2, "t1", bytes, Role.TEMP),
                        buf(3, "t2", bytes, Role.TEMP), buf(4, "t3", bytes, Role.TEMP), buf(5, "y", bytes, Role.OUTPUT)),
                List.of(write(1, "w", 0)),
                List.of(write(0, "x", 0),
                        vadd(0, 1, 2, n, 0, List.of(), 0),
                        scale(2, 3, 2f, n, 1, List.of(0), -1),
                        scale(3, 4, 1f, n, 1, List.of(), -1),
                        scale(4, 5, 0.5f, n, 1, List.of(), -1),
                        read(5, "y", 1)),
                2);
    }

    static long rssKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    /**
     * VmRSS less the Java heap the JVM has committed, once the GC has run: the least of three readings,
     * each after a GC and a pause. The heap is subtracted because G1 grows and shrinks it in 16 MiB
     * steps from one full GC to the next (seen here: 40 ↔ 56 MiB committed), which moves VmRSS by
     * more than the 10% this test allows while saying nothing about what the runtime leaks.
     */
    static long[] settledKiB() throws IOException, InterruptedException {
        long[] least = {Long.MAX_VALUE, Long.MAX_VALUE};
        for (int k = 0; k < 3; k++) {
            System.gc();
            Thread.sleep(50);
            long rss = rssKiB();
            long heap = Runtime.getRuntime().totalMemory() / 1024;
            if (rss - heap < least[0]) {
                least[0] = rss - heap;
                least[1] = rss;
            }
        }
        return least;
    }

    /**
     * Touches the Java heap the JVM has committed, by allocating twice its size in short-lived blocks.
     * Without this the first cycles' garbage touches heap pages for the first time, and VmRSS grows by
     * tens of MiB over the first ~60 cycles whatever the runtime does (with -XX:+AlwaysPreTouch it does
     * not): that is the JVM warming up, not a leak.
     */
    static void touchHeap() {
        long goal = 2 * Runtime.getRuntime().totalMemory();
        long sum = 0;
        for (long done = 0; done < goal; done += 1 << 16) {
            byte[] block = new byte[1 << 16];
            sum += block[(int) (done & 0xffff)];
        }
        assertEquals(0, sum);
    }

    @Test
    void threeHundredLoadAndRunCyclesGiveEverythingBack() throws Exception {
        DeviceInfo d = ClTestSupport.deviceOrSkip();
        Program p = twoQueues(N);
        float[] w = floats(N, 1f, 0.5f);
        float[] x = floats(N, -7f, 0.25f);
        float[] expected = new float[N];
        for (int k = 0; k < N; k++) {
            expected[k] = x[k] + w[k];
        }
        touchHeap();
        long[] before = settledKiB();
        LiveObjects.Counts start = LiveObjects.snapshot();
        long t0 = System.nanoTime();
        long[] at30 = null;
        StringBuilder trace = new StringBuilder().append(' ').append(before[0] / 1024).append('/').append(before[1] / 1024);
        for (int cycle = 1; cycle <= 300; cycle++) {
            try (Session s = Session.open(d, 2)) {
                Loaded l = s.load(p, Map.of("w", w));
                assertClose(expected, l.run(Map.of("x", x)).get("y"), 1e-6f, "cycle " + cycle);
                RunResult r = l.run(Map.of("x", x), true);
                assertEquals(4, r.timings().size());
                assertClose(expected, r.outputs().get("y"), 1e-6f, "cycle " + cycle + " profiled");
                if (cycle == 1) {
                    assertTrue(l.memoryReport().plannedBytes() < l.memoryReport().unsharedBytes(), l.memoryReport().toString());
                }
                l.close();
            }
            if (cycle % 30 == 0) {
                // a full GC every 30 cycles keeps the live Java heap compacted in the same pages; without it,
                // young collections spread survivors over heap pages not touched before
                long[] m = settledKiB();
                trace.append(' ').append(m[0] / 1024).append('/').append(m[1] / 1024);
                if (cycle == 30) {
                    assertEquals(start, LiveObjects.snapshot(), "after 30 cycles");
                    at30 = m;
                }
            }
        }
        long[] at300 = settledKiB();
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.err.printf("LeakTest: 300 cycles in %.2f s; VmRSS less Java heap %d KiB after 30 cycles, %d KiB after 300 "
                + "(%+.1f%%); VmRSS %d KiB and %d KiB; MiB (less heap/VmRSS) before and every 30 cycles:%s%n", seconds,
                at30[0], at300[0], 100.0 * (at300[0] - at30[0]) / at30[0], at30[1], at300[1], trace);
        assertEquals(start, LiveObjects.snapshot(), "live OpenCL objects after 300 cycles");
        assertTrue(at300[0] <= at30[0] * 1.10, "VmRSS less the Java heap grew from " + at30[0] + " KiB after 30 cycles to "
                + at300[0] + " KiB after 300; trace:" + trace);
    }

    @Test
    void tenDistinctProgramsAreBuiltAndReleased() {
        DeviceInfo d = ClTestSupport.deviceOrSkip();
        LiveObjects.Counts start = LiveObjects.snapshot();
        BuildStats stats = Session.buildStats();
        long t0 = System.nanoTime();
        try (Session s = Session.open(d, 1)) {
            for (int k = 0; k < 10; k++) {
                // a different constant per program, so each is a different source and a different build
                String source = TestPrograms.VADD_SCALE.replace("y[i] = s * x[i];", "y[i] = s * x[i] + " + k + ".0f;");
                Program base = TestPrograms.addScale(16, 1f);
                Program p = new Program("distinct_" + k, source, base.buffers(), base.kernels(), base.setup(), base.run(), 1);
                try (Loaded l = s.load(p, Map.of("w", new float[16]))) {
                    float[] y = l.run(Map.of("x", floats(16, 0, 1))).get("y");
                    assertClose(floats(16, k, 1), y, 0f, "program " + k);
                }
            }
            assertEquals(10, s.cachedPrograms());
            assertEquals(start.programs() + 10, LiveObjects.snapshot().programs());
            s.clearProgramCache();
            assertEquals(0, s.cachedPrograms());
            assertEquals(start.programs(), LiveObjects.snapshot().programs());
        }
        BuildStats after = Session.buildStats();
        // through the compiler (PoCL's disk cache may answer it), or from a binary only if this test ran before in this JVM
        assertEquals(10, after.compiled() - stats.compiled() + after.binaryHits() - stats.binaryHits(), after.toString());
        assertEquals(stats.contextHits(), after.contextHits());
        System.err.printf("LeakTest: 10 distinct programs built and released in %.2f s%n", (System.nanoTime() - t0) / 1e9);
        assertEquals(start, LiveObjects.snapshot());
    }
}
