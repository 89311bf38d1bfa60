package io.recurflow.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.runtime.program.Arg;
import io.recurflow.runtime.program.BufferSpec;
import io.recurflow.runtime.program.Instr;
import io.recurflow.runtime.program.KernelSpec;
import io.recurflow.runtime.program.Program;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The cost model's arithmetic, on hand-made programs and rates (no device). */
public class LaunchCostModelTest {
    private static final LaunchCostModel.GemmRates RATES =
            new LaunchCostModel.GemmRates(new int[] {1, 4, 32, 256, 2048}, new double[] {40, 100, 150, 200, 300});

    private static LaunchCostModel model(LaunchCostModel.GemmRates rates, double hostNsPerByte) {
        return new LaunchCostModel(10, 200, 50, 0.5, 0, 2, false, 1, 50, 100, 0, 1, rates,
                new LaunchCostModel.Host(hostNsPerByte == 0 ? 0 : 3, hostNsPerByte), 10, null, "test");
    }

    @Test
    void gemmRateIsInterpolatedInLogRowsAndClampedAtTheEnds() {
        assertEquals(40, RATES.at(1), 1e-9);
        assertEquals(150, RATES.at(32), 1e-9);
        assertEquals(300, RATES.at(2048), 1e-9);
        assertEquals(300, RATES.at(100_000), 1e-9, "beyond the last row count: its rate");
        // 2 rows lie halfway between 1 and 4 in log2
        assertEquals(70, RATES.at(2), 1e-9);
        // 16 rows: log2 16 = 4 is 2/3 of the way from log2 4 = 2 to log2 32 = 5
        assertEquals(100 + 50 * 2.0 / 3, RATES.at(16), 1e-9);
    }

    @Test
    void oneGroupRatesPerLaunchWhereMeasuredElseLooped() {
        LaunchCostModel steps = new LaunchCostModel(10, 200, 50, 0.5, 0, 2, false, 1, 50, 100, 0, 1, RATES,
                LaunchCostModel.Host.FREE, 10, null, new LaunchCostModel.StepRates(45, 70), "test");
        assertEquals(45, steps.oneGroupRate(1, true), 1e-9);
        assertEquals(70, steps.oneGroupRate(4, true), 1e-9);
        assertEquals(50, steps.oneGroupRate(1, false), 1e-9);
        assertEquals(100, steps.oneGroupRate(4, false), 1e-9);
        LaunchCostModel unmeasured = model(RATES, 0);
        assertEquals(50, unmeasured.oneGroupRate(1, true), 1e-9, "no chains measured: the looped rates");
        assertEquals(100, unmeasured.oneGroupRate(4, true), 1e-9);
    }

    /**
     * An element-wise launch moves four bytes a value in each buffer it reads or writes, as the
     * calibration's copy (two buffers, eight bytes a value) defines the bandwidth: an add of two
     * [batch, 16] inputs prices 3 × 4 × values bytes at 1 GB/s.
     */
    @Test
    void anElementWiseLaunchMovesFourBytesAValuePerBuffer() {
        io.recurflow.dsl.GraphBuilder g = new io.recurflow.dsl.GraphBuilder("add");
        g.output("y", g.add(g.input("a", 16), g.input("b", 16)));
        LaunchCostModel oneGbPerS = new LaunchCostModel(0, 200, 1, 0, 0, 2, false, 1, 50, 100, 0, 1, "test: 1 GB/s");
        int batch = 4;
        int steps = 3;
        CompiledModel m = Lowering.lower(g.build(), Mode.BATCHED, batch, steps, new Lowering.Options(0, 4, oneGbPerS));
        List<Double> us = m.launchUs();
        assertEquals(1, us.size(), m.program().run().toString());
        assertEquals(3 * 4.0 * batch * steps * 16 / 1e3, us.get(0), 1e-9);
    }

    @Test
    void gemmRatesRefuseUnorderedOrMissingValues() {
        assertThrows(IllegalArgumentException.class, () -> new LaunchCostModel.GemmRates(new int[] {}, new double[] {}));
        assertThrows(IllegalArgumentException.class,
                () -> new LaunchCostModel.GemmRates(new int[] {4, 1}, new double[] {10, 20}));
        assertThrows(IllegalArgumentException.class,
                () -> new LaunchCostModel.GemmRates(new int[] {1, 4}, new double[] {10, 0}));
        assertThrows(IllegalArgumentException.class, () -> new LaunchCostModel.GemmRates(new int[] {1}, new double[] {1, 2}));
    }

    @Test
    void aGemmLaunchIsPricedAtItsRowsRateOtherWorkAtTheFlatRate() {
        LaunchCostModel m = model(RATES, 0);
        double flops = 1e6;
        // 1e6 flops at 40 GFLOP/s = 25 µs, plus the 10 µs overhead
        assertEquals(35, m.launchUs(LaunchCostModel.Work.gemm(flops, 0, 1)), 1e-9);
        assertEquals(10 + flops / (300 * 1e3), m.launchUs(LaunchCostModel.Work.gemm(flops, 0, 4096)), 1e-9);
        assertEquals(10 + flops / (200 * 1e3), m.launchUs(new LaunchCostModel.Work(flops, 0, 0)), 1e-9);
        // without measured rates, few rows cost M / (M + 4) of the flat rate
        LaunchCostModel flat = model(null, 0);
        assertEquals(10 + flops / (200 * 4.0 / 8 * 1e3), flat.launchUs(LaunchCostModel.Work.gemm(flops, 0, 4)), 1e-9);
    }

    @Test
    void aRecurrenceLaunchPaysTheLongOverheadOthersTheShortOne() {
        LaunchCostModel m = new LaunchCostModel(10, 200, 50, 0.5, 0, 2, false, 1, 50, 100, 0, 1, RATES,
                LaunchCostModel.Host.FREE, 30, null, "test");
        assertEquals(10 + 400, m.launchUs(LaunchCostModel.Work.ofMicros(400)), 1e-9);
        assertEquals(30 + 400, m.launchUs(LaunchCostModel.Work.recurrence(400)), 1e-9);
        assertEquals(30, m.recurrenceOverheadUs(), 1e-9);
        LaunchCostModel noisy = new LaunchCostModel(10, 200, 50, 0.5, 0, 2, false, 1, 50, 100, 0, 1, RATES,
                LaunchCostModel.Host.FREE, 5, null, "test");
        assertEquals(10 + 400, noisy.launchUs(LaunchCostModel.Work.recurrence(400)), 1e-9,
                "a long overhead measured below the short one: the short one");
    }

    @Test
    void smallElementWiseLaunchesGetTheCachesBandwidthAndItemCost() {
        LaunchCostModel m = new LaunchCostModel(0, 200, 20, 1.0, 0, 2, false, 1, 50, 100, 0, 1, RATES,
                LaunchCostModel.Host.FREE, 0, new LaunchCostModel.Small(80, 0.25), "test");
        double smallBytes = 8.0 * LaunchCostModel.Small.ITEMS;
        double bigBytes = 8.0 * LaunchCostModel.BIG_ITEMS;
        assertEquals(80, m.bandwidth(smallBytes), 1e-9);
        assertEquals(80, m.bandwidth(1000), 1e-9, "below the small size: its rate");
        assertEquals(20, m.bandwidth(bigBytes), 1e-9);
        assertEquals(50, m.bandwidth(Math.sqrt(smallBytes * bigBytes)), 1e-9, "halfway in log2");
        assertEquals(0.25, m.itemCost(LaunchCostModel.Small.ITEMS), 1e-9);
        assertEquals(1.0, m.itemCost(LaunchCostModel.BIG_ITEMS), 1e-9);
        // 65,536 items moving 512 KiB: 512 KiB at 80 GB/s + 65,536 × 0.25 ns
        assertEquals(smallBytes / 80e3 + LaunchCostModel.Small.ITEMS * 0.25 / 1e3,
                m.launchUs(new LaunchCostModel.Work(0, smallBytes, LaunchCostModel.Small.ITEMS)), 1e-9);
        LaunchCostModel flat = model(RATES, 0);
        assertEquals(flat.gbPerS(), flat.bandwidth(1000), 1e-9, "not measured: one rate for every size");
    }

    @Test
    void elementWiseItemsArePricedByTheirTranscendentalFunctions() {
        assertEquals(0, Lowering.transcendentals("b[i] = a[i] + c[i] * d[i];"));
        assertEquals(2, Lowering.transcendentals(
                "const float16 v1 = 1.0f / (1.0f + exp(-v0)); const float16 v7 = 1.0f - 2.0f / (exp(2.0f * v6) + 1.0f);"));
        assertEquals(3, Lowering.transcendentals("x = log(a) + sqrt(b) * tanh(c); y = expm1(d); z = myexp(e);"));
    }

    @Test
    void predictionAddsTheHostsTimeForEveryTransferAndEveryByte() {
        Program p = new Program("t", "__kernel void k(__global float* x) { }",
                List.of(new BufferSpec(0, "x", 4000, BufferSpec.Role.INPUT), new BufferSpec(1, "y", 6000, BufferSpec.Role.OUTPUT)),
                List.of(new KernelSpec(0, "k", List.of(Arg.Kind.BUFFER))), List.of(),
                List.of(new Instr.Write(0, "x", 0),
                        new Instr.Launch(0, List.of(new Arg.Buffer(0)), new long[] {1}, null, 0, List.of(), -1, "k"),
                        new Instr.Read(1, "y", 0)), 1);
        List<LaunchCostModel.Work> work = Arrays.asList(null, new LaunchCostModel.Work(0, 0, 0), null);
        double device = model(RATES, 0).predict(p, work);
        assertEquals(10, device, 1e-9, "one launch: its overhead");
        LaunchCostModel withHost = model(RATES, 2);
        assertEquals(2 * 3 + 20, withHost.hostUs(p), 1e-9, "two transfers at 3 µs, 10,000 bytes at 2 ns");
        assertEquals(device + 26, withHost.predict(p, work), 1e-9);
        assertTrue(model(RATES, 0).hostUs(p) == 0);
    }

    private static LaunchCostModel withEnqueue(double usPerLaunch, boolean sharesCores) {
        return new LaunchCostModel(10, 200, 50, 0.5, 0, 2, false, 1, 50, 100, 0, 1, RATES,
                new LaunchCostModel.Host(0, 0, usPerLaunch, sharesCores), 10, null, "test");
    }

    /** A GEMM of 100 µs of work, then {@code steps} launches of {@code stepWork} each, on one queue. */
    private static double predictGemmThenSteps(LaunchCostModel m, int steps, LaunchCostModel.Work stepWork) {
        List<Instr> run = new java.util.ArrayList<>();
        List<LaunchCostModel.Work> work = new java.util.ArrayList<>();
        for (int i = 0; i <= steps; i++) {
            run.add(new Instr.Launch(0, List.of(new Arg.Buffer(0)), new long[] {1}, null, 0, List.of(), -1, "k" + i));
            work.add(i == 0 ? new LaunchCostModel.Work(200 * 1e3 * 100, 0, 0) : stepWork);
        }
        Program p = new Program("t", "__kernel void k(__global float* x) { }",
                List.of(new BufferSpec(0, "x", 4000, BufferSpec.Role.INPUT)),
                List.of(new KernelSpec(0, "k", List.of(Arg.Kind.BUFFER))), List.of(), run, 1);
        return m.predict(p, work);
    }

    @Test
    void whileTheHostEnqueuesOnTheDevicesOwnCoresAKernelOverAllOfThemRunsOnOneFewer() {
        LaunchCostModel.Work step = LaunchCostModel.Work.recurrence(20);
        // the GEMM: 10 µs overhead + 100 µs of work; each step 10 + 20 µs; the host enqueues 41 launches at 2 µs
        double free = predictGemmThenSteps(withEnqueue(0, false), 40, step);
        assertEquals(110 + 40 * 30, free, 1e-9);
        // elsewhere (a GPU) the host's enqueueing only delays launches it has not enqueued yet: the first by 2 µs
        assertEquals(2 + free, predictGemmThenSteps(withEnqueue(2, false), 40, step), 1e-9);
        // on a CPU device the GEMM starts once enqueued (2 µs) and the host is busy until 82 µs: 80 µs at half
        // the rate do 40 µs of its work, the other 60 µs then take 60 µs
        double shared = predictGemmThenSteps(withEnqueue(2, true), 40, step);
        assertEquals(2 + 10 + 80 + 60 + 40 * 30, shared, 1e-9);
        // a host that enqueues one more launch: busy until 4 µs, 2 µs into the GEMM, which loses 1 µs of work
        assertEquals(2 + 110 + 1 + 30, predictGemmThenSteps(withEnqueue(2, true), 1, step), 1e-9);
        // the work-groups of a recurrence are not spread over the cores: not slowed
        LaunchCostModel m = withEnqueue(2, true);
        assertEquals(0, m.hostContentionUs(LaunchCostModel.Work.recurrence(100), 0, 1000), 1e-9);
        // work that ends inside the host's window runs at half the rate throughout: twice its time
        assertEquals(100, m.hostContentionUs(new LaunchCostModel.Work(200 * 1e3 * 100, 0, 0), 0, 1000), 1e-9);
        // a kernel shorter than CONTENDED_US hardly gets a second thread anyway: not slowed
        assertEquals(0, m.hostContentionUs(new LaunchCostModel.Work(200 * 1e3 * 20, 0, 0), 0, 1000), 1e-9);
    }
}
