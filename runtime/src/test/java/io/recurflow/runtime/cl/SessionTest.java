package io.recurflow.runtime.cl;

import static io.recurflow.runtime.cl.ClTestSupport.assertClose;
import static io.recurflow.runtime.program.TestPrograms.b;
import static io.recurflow.runtime.program.TestPrograms.buf;
import static io.recurflow.runtime.program.TestPrograms.fill;
import static io.recurflow.runtime.program.TestPrograms.floats;
import static io.recurflow.runtime.program.TestPrograms.i;
import static io.recurflow.runtime.program.TestPrograms.launch;
import static io.recurflow.runtime.program.TestPrograms.read;
import static io.recurflow.runtime.program.TestPrograms.scale;
import static io.recurflow.runtime.program.TestPrograms.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.runtime.program.Arg.Kind;
import io.recurflow.runtime.program.BufferSpec;
import io.recurflow.runtime.program.BufferSpec.Role;
import io.recurflow.runtime.program.Instr;
import io.recurflow.runtime.program.KernelSpec;
import io.recurflow.runtime.program.MemoryReport;
import io.recurflow.runtime.program.Program;
import io.recurflow.runtime.program.ProgramPrinter;
import io.recurflow.runtime.program.TestPrograms;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SessionTest {
    /** vadd and scale (kernels 0 and 1, as in {@link TestPrograms}), a slow producer and an int gather. */
    static final String SOURCE = TestPrograms.VADD_SCALE
            + "__kernel void produce(__global const float* x, __global float* t, int n, int spins) {\n"
            + "    int i = get_global_id(0);\n"
            + "    if (i >= n) return;\n"
            + "    float v = x[i];\n"
            + "    float junk = 0.0f;\n"
            + "    for (int k = 0; k < spins; k++) junk += sin(v + (float) k);\n"
            + "    // junk keeps the loop alive; it never equals the constant, so t = x + 1\n"
            + "    t[i] = v + 1.0f + (junk == 123456.75f ? 1.0f : 0.0f);\n"
            + "}\n"
            + "__kernel void gather(__global const float* table, __global const int* idx, __global float* y, int n) {\n"
            + "    int i = get_global_id(0);\n"
            + "    if (i < n) y[i] = table[idx[i]];\n"
            + "}\n";
    static final List<KernelSpec> KERNELS = List.of(TestPrograms.VADD, TestPrograms.SCALE,
            new KernelSpec(2, "produce", List.of(Kind.BUFFER, Kind.BUFFER, Kind.INT, Kind.INT)),
            new KernelSpec(3, "gather", List.of(Kind.BUFFER, Kind.BUFFER, Kind.BUFFER, Kind.INT)));

    static Program program(String name, List<BufferSpec> buffers, List<Instr> setup, List<Instr> run, int queues) {
        return new Program(name, SOURCE, buffers, KERNELS, setup, run, queues);
    }

    @Test
    void addsAndScalesOnOneQueue() {
        Session s = Session.shared(ClTestSupport.deviceOrSkip(), 2);
        int n = 100;
        float[] w = floats(n, 1f, 1f);
        try (Loaded l = s.load(TestPrograms.addScale(n, 0.5f), Map.of("w", w))) {
            for (int round = 0; round < 3; round++) {
                float[] x = floats(n, round, 0.25f);
                Map<String, float[]> out = l.run(Map.of("x", x));
                assertEquals(List.of("y"), new ArrayList<>(out.keySet()));
                float[] expected = new float[n];
                for (int k = 0; k < n; k++) {
                    expected[k] = 0.5f * (x[k] + w[k]);
                }
                assertClose(expected, out.get("y"), 1e-6f, "round " + round);
            }
        }
    }

    @Test
    void sharedSessionsAreKeptAndCloseDoesNothing() {
        DeviceInfo d = ClTestSupport.deviceOrSkip();
        Session s = Session.shared(d, 2);
        assertSame(s, Session.shared(d, 2));
        assertTrue(s.isShared());
        s.close();
        try (Loaded l = s.load(TestPrograms.addScale(4, 1f), Map.of("w", new float[4]))) {
            assertClose(new float[] {1, 2, 3, 4}, l.run(Map.of("x", new float[] {1, 2, 3, 4})).get("y"), 0f, "after close()");
        }
        assertEquals(2, s.queues());
        assertEquals(d, s.device());
    }

    /** x -> produce (slow) on q0 -> e0; consume (scale by 2) on q1 waiting e0; y read on q1. */
    static Program producerConsumer(int n, int spins) {
        long bytes = 4L * n;
        return program("producer_consumer",
                List.of(buf(0, "x", bytes, Role.INPUT), buf(1, "t", bytes, Role.TEMP), buf(2, "y", bytes, Role.OUTPUT)),
                List.of(),
                List.of(write(0, "x", 0),
                        launch(2, List.of(b(0), b(1), i(n), i(spins)), n, 0, List.of(), 0, "produce t"),
                        scale(1, 2, 2f, n, 1, List.of(0), 1),
                        read(2, "y", 1)),
                2);
    }

    @Test
    void aConsumerOnAnotherQueueWaitsForItsProducer() {
        Session s = Session.shared(ClTestSupport.deviceOrSkip(), 2);
        int n = 256;
        Program p = producerConsumer(n, 2000);
        try (Loaded l = s.load(p, Map.of())) {
            for (int round = 0; round < 5; round++) {
                float[] x = floats(n, round, 1f);
                RunResult r = l.run(Map.of("x", x), true);
                float[] expected = new float[n];
                for (int k = 0; k < n; k++) {
                    expected[k] = 2f * (x[k] + 1f);
                }
                assertClose(expected, r.outputs().get("y"), 1e-6f, "round " + round + "\n" + ProgramPrinter.print(p));
                LaunchTiming produce = r.timings().get(0);
                LaunchTiming consume = r.timings().get(1);
                assertEquals(0, produce.queue());
                assertEquals(1, consume.queue());
                assertTrue(consume.startNs() >= produce.endNs(), "the consumer started before its producer ended: " + r.timings());
            }
        }
    }

    @Test
    void fillSetsEveryFloat() {
        Session s = Session.shared(ClTestSupport.deviceOrSkip(), 2);
        int n = 50;
        long bytes = 4L * n;
        Program p = program("fill",
                List.of(buf(0, "c", bytes, Role.PARAM), buf(1, "t", bytes, Role.TEMP), buf(2, "y", bytes, Role.OUTPUT),
                        buf(3, "z", bytes, Role.OUTPUT)),
                List.of(fill(0, -1.5f, 0)),
                List.of(fill(1, 3f, 0), scale(1, 2, 2f, n, 0, List.of(), -1), scale(0, 3, 2f, n, 0, List.of(), -1),
                        read(2, "y", 0), read(3, "z", 0)),
                1);
        try (Loaded l = s.load(p, null)) {
            Map<String, float[]> out = l.run(Map.of());
            assertEquals(List.of("y", "z"), new ArrayList<>(out.keySet()));
            float[] six = new float[n];
            float[] minus3 = new float[n];
            java.util.Arrays.fill(six, 6f);
            java.util.Arrays.fill(minus3, -3f);
            assertClose(six, out.get("y"), 0f, "y = 2 * fill 3");
            assertClose(minus3, out.get("z"), 0f, "z = 2 * setup fill -1.5");
        }
    }

    @Test
    void intHostArraysFeedIntBuffers() {
        Session s = Session.shared(ClTestSupport.deviceOrSkip(), 2);
        int n = 8;
        Program p = program("gather",
                List.of(buf(0, "table", 4 * 5, Role.PARAM), buf(1, "idx", 4L * n, Role.INPUT), buf(2, "y", 4L * n, Role.OUTPUT)),
                List.of(write(0, "table", 0)),
                List.of(write(1, "idx", 0), launch(3, List.of(b(0), b(1), b(2), i(n)), n, 0, List.of(), -1, "gather"),
                        read(2, "y", 0)),
                1);
        try (Loaded l = s.load(p, Map.of("table", new float[] {10, 11, 12, 13, 14}))) {
            float[] y = l.run(Map.of("idx", new int[] {4, 3, 2, 1, 0, 0, 2, 4})).get("y");
            assertClose(new float[] {14, 13, 12, 11, 10, 10, 12, 14}, y, 0f, "gather");
        }
    }

    @Test
    void profilingTimesEveryLaunch() {
        Session s = Session.shared(ClTestSupport.deviceOrSkip(), 2);
        Program p = TestPrograms.addScale(64, 2f);
        try (Loaded l = s.load(p, Map.of("w", new float[64]))) {
            LiveObjects.Counts before = LiveObjects.snapshot();
            RunResult r = l.run(Map.of("x", floats(64, 0, 1)), true);
            assertEquals(p.launchesPerRun(), r.timings().size());
            assertEquals(List.of("vadd", "scale"), r.timings().stream().map(LaunchTiming::function).toList());
            assertEquals(List.of("vadd b0 b1", "scale b2"), r.timings().stream().map(LaunchTiming::label).toList());
            for (LaunchTiming t : r.timings()) {
                assertEquals(0, t.queue());
                assertTrue(t.queuedNs() > 0 && t.queuedNs() <= t.startNs() && t.startNs() <= t.endNs(), t.toString());
                assertTrue(t.durationNs() >= 0);
            }
            assertTrue(r.timings().get(0).endNs() <= r.timings().get(1).startNs(), "one in-order queue: " + r.timings());
            assertTrue(r.wallNanos() > 0);
            assertEquals(before, LiveObjects.snapshot(), "every event released");
            RunResult plain = l.run(Map.of("x", floats(64, 0, 1)), false);
            assertTrue(plain.timings().isEmpty());
            assertClose(r.outputs().get("y"), plain.outputs().get("y"), 0f, "same result with and without profiling");
        }
    }

    /** x -> t1 -> ... -> t6 -> y, each a scale by 2 on one queue. */
    static Program chain(int n, int temps) {
        long bytes = 4L * n;
        List<BufferSpec> bs = new ArrayList<>();
        bs.add(buf(0, "x", bytes, Role.INPUT));
        for (int t = 1; t <= temps; t++) {
            bs.add(buf(t, "t" + t, bytes, Role.TEMP));
        }
        bs.add(buf(temps + 1, "y", bytes, Role.OUTPUT));
        List<Instr> run = new ArrayList<>();
        run.add(write(0, "x", 0));
        for (int t = 0; t <= temps; t++) {
            run.add(scale(t, t + 1, 2f, n, 0, List.of(), -1));
        }
        run.add(read(temps + 1, "y", 0));
        return TestPrograms.program("chain", bs, List.of(), run, 1);
    }

    @Test
    void sharingTempsSavesMemoryAndKeepsResults() {
        Session s = Session.shared(ClTestSupport.deviceOrSkip(), 2);
        int n = 1000;
        Program p = chain(n, 6);
        float[] x = floats(n, -3f, 0.01f);
        float[] expected = new float[n];
        for (int k = 0; k < n; k++) {
            expected[k] = x[k] * 128f;
        }
        try (Loaded shared = s.load(p, Map.of());
             Loaded unshared = s.load(p, Map.of(), new Session.Options("", false))) {
            MemoryReport m = shared.memoryReport();
            assertEquals(8L * 4 * n, m.unsharedBytes());
            assertEquals(4L * 4 * n, m.plannedBytes(), shared.memoryPlan().toString());
            assertEquals(4, m.allocations());
            assertEquals(m.peakBytes(), m.plannedBytes());
            assertEquals(m.unsharedBytes(), unshared.memoryReport().plannedBytes());
            assertClose(expected, shared.run(Map.of("x", x)).get("y"), 1e-6f, "shared");
            assertClose(expected, unshared.run(Map.of("x", x)).get("y"), 1e-6f, "unshared");
        }
    }

    @Test
    void programsComeFromTheCaches() {
        DeviceInfo d = ClTestSupport.deviceOrSkip();
        Program p = chain(16, 2);
        try (Session s = Session.open(d, 1)) {
            s.load(p, Map.of()).close();
            BuildStats before = Session.buildStats();
            try (Loaded l = s.load(p, Map.of())) {
                assertEquals(before.contextHits() + 1, Session.buildStats().contextHits(), "same context: cached program");
                assertEquals(1, s.cachedPrograms());
                l.run(Map.of("x", new float[16]));
            }
        }
        BuildStats before = Session.buildStats();
        try (Session s = Session.open(d, 1); Loaded l = s.load(p, Map.of())) {
            BuildStats after = Session.buildStats();
            assertEquals(before.binaryHits() + 1, after.binaryHits(), "new context: from the kept binary");
            assertEquals(before.compiled(), after.compiled());
            assertClose(floats(16, 0, 8), l.run(Map.of("x", floats(16, 0, 1))).get("y"), 0f, "from binary");
            assertTrue(Session.binaryCacheSize() > 0);
        }
        Session.clearBinaryCache();
        assertEquals(0, Session.binaryCacheSize());
        before = Session.buildStats();
        try (Session s = Session.open(d, 1); Loaded l = s.load(p, Map.of())) {
            assertEquals(before.compiled() + 1, Session.buildStats().compiled(), "binaries forgotten: compiled again");
            assertClose(floats(16, 0, 8), l.run(Map.of("x", floats(16, 0, 1))).get("y"), 0f, "compiled");
        }
    }

    @Test
    void anOfferedBinaryIsLoadedWithoutCompiling() {
        DeviceInfo d = ClTestSupport.deviceOrSkip();
        Program p = chain(16, 3);
        byte[] binary;
        try (Session s = Session.open(d, 1)) {
            binary = s.deviceBinary(p, Session.Options.DEFAULT);
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(binary != null, "the driver gives no program binaries");
        Session.clearBinaryCache();
        Session.offerBinary(d, p, Session.Options.DEFAULT, binary);
        BuildStats before = Session.buildStats();
        try (Session s = Session.open(d, 1); Loaded l = s.load(p, Map.of())) {
            assertEquals(before.compiled(), Session.buildStats().compiled(), "nothing compiled");
            assertEquals(before.binaryHits() + 1, Session.buildStats().binaryHits());
            assertClose(floats(16, 0, 16), l.run(Map.of("x", floats(16, 0, 1))).get("y"), 0f, "from the offered binary");
        }
        Session.clearBinaryCache();
        Session.offerBinary(d, p, Session.Options.DEFAULT, new byte[] {1, 2, 3});
        before = Session.buildStats();
        try (Session s = Session.open(d, 1); Loaded l = s.load(p, Map.of())) {
            assertEquals(before.compiled() + 1, Session.buildStats().compiled(), "a refused binary: compiled instead");
            assertClose(floats(16, 0, 16), l.run(Map.of("x", floats(16, 0, 1))).get("y"), 0f, "compiled");
        }
    }

    @Test
    void closingTheSessionClosesWhatIsLoaded() {
        DeviceInfo d = ClTestSupport.deviceOrSkip();
        LiveObjects.Counts before = LiveObjects.snapshot();
        Session s = Session.open(d, 2);
        Loaded l = s.load(producerConsumer(64, 10), Map.of());
        l.run(Map.of("x", new float[64]));
        assertFalse(LiveObjects.snapshot().equals(before));
        s.close();
        assertEquals(before, LiveObjects.snapshot());
        s.close();
        l.close();
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> l.run(Map.of("x", new float[64])));
        assertTrue(e.getMessage().contains("producer_consumer"), e.getMessage());
    }
}
