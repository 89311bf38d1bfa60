package io.recurflow.codegen;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.recurflow.codegen.kernels.Activation;
import io.recurflow.codegen.kernels.GemmKernel;
import io.recurflow.codegen.kernels.GemmSpec;
import io.recurflow.codegen.kernels.ParamKind;
import io.recurflow.codegen.kernels.RowMode;
import io.recurflow.runtime.JitWarmup;
import io.recurflow.runtime.cl.DeviceInfo;
import io.recurflow.runtime.cl.LaunchTiming;
import io.recurflow.runtime.cl.Loaded;
import io.recurflow.runtime.cl.RunResult;
import io.recurflow.runtime.cl.Session;
import io.recurflow.runtime.program.Arg;
import io.recurflow.runtime.program.BufferSpec;
import io.recurflow.runtime.program.Instr;
import io.recurflow.runtime.program.KernelSpec;
import io.recurflow.runtime.program.Program;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Measures the {@link LaunchCostModel} constants of a device once — launch overhead, GEMM rate,
 * bandwidth, per-item cost, cross-queue event delay — and caches them on disk
 * ({@code $RECURFLOW_CACHE} or {@code ~/.cache/recurflow}), one file per device and driver, so that
 * every later process starts from the same figures. A calibration takes a few seconds.
 */
public final class Calibration {
    private static final Map<String, LaunchCostModel> LOADED = new java.util.concurrent.ConcurrentHashMap<>();

    private Calibration() {
    }

    /** The device's cost model: from memory, from the cache file, or measured now (and cached). */
    public static LaunchCostModel forDevice(DeviceInfo device) {
        return LOADED.computeIfAbsent(key(device), k -> loadOrMeasure(device, k));
    }

    /**
     * Measures the device's cost model now, replacing the cached one (on disk and in this process):
     * for a machine whose speed has changed since the cache was written.
     */
    public static LaunchCostModel recalibrate(DeviceInfo device) {
        String key = key(device);
        LaunchCostModel m = measureAndCache(device, cacheFile(key));
        LOADED.put(key, m);
        return m;
    }

    private static String key(DeviceInfo device) {
        return (device.name() + "-" + device.driverVersion()).replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private static Path cacheFile(String key) {
        // v11: few-row GEMMs each followed by one element-wise launch, not six; v10: one-group rates of a
        // launch per step; v9: few-row GEMMs timed in step-by-step chains; v8: the host's enqueue time per
        // launch; v7: measured once the JIT compiler has gone quiet; v6: the GEMM's rate at several row
        // counts, the host's transfers, a wavefront's launch overhead, element-wise rates in the caches (v4:
        // oneGroupRowsGflops, and the overlaps of a recurrence beside a GEMM and of two work-groups)
        return cacheDir().resolve("calibration-v11-" + key + ".json");
    }

    private static Path cacheDir() {
        String env = System.getenv("RECURFLOW_CACHE");
        return env != null ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "recurflow");
    }

    private static LaunchCostModel loadOrMeasure(DeviceInfo device, String key) {
        Path file = cacheFile(key);
        ObjectMapper json = new ObjectMapper();
        if (Files.isRegularFile(file)) {
            try {
                Map<?, ?> m = json.readValue(file.toFile(), Map.class);
                return new LaunchCostModel(num(m, "overheadUs"), num(m, "gflops"), num(m, "gbPerS"), num(m, "itemNs"),
                        num(m, "eventUs"), device.computeUnits(), Boolean.TRUE.equals(m.get("concurrentQueues")),
                        groupSize(device), num(m, "oneGroupGflops"), num(m, "oneGroupRowsGflops"),
                        num(m, "overlap"), num(m, "groupOverlap"), gemmRates(m.get("gemmGflopsByRows")),
                        new LaunchCostModel.Host(num(m, "hostUsPerTransfer"), num(m, "hostNsPerByte"),
                                num(m, "hostUsPerLaunch"), Boolean.TRUE.equals(m.get("hostSharesCores"))),
                        num(m, "longOverheadUs"), new LaunchCostModel.Small(num(m, "smallGbPerS"), num(m, "smallItemNs")),
                        new LaunchCostModel.StepRates(num(m, "stepOneGroupGflops"), num(m, "stepOneGroupRowsGflops")),
                        "calibrated, cached in " + file);
            } catch (IOException | RuntimeException e) {
                System.err.println("note: ignoring the unreadable calibration " + file + " (" + e.getMessage() + ")");
            }
        }
        System.err.println("note: calibrating the cost model on " + device.name() + " (once; cached in " + file + ")");
        return measureAndCache(device, file);
    }

    private static LaunchCostModel measureAndCache(DeviceInfo device, Path file) {
        LaunchCostModel m = measure(Session.shared(device, 4), device.computeUnits());
        ObjectMapper json = new ObjectMapper();
        try {
            Files.createDirectories(file.getParent());
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("device", device.name());
            out.put("driver", device.driverVersion());
            out.put("overheadUs", m.overheadUs());
            out.put("longOverheadUs", m.longOverheadUs());
            out.put("gflops", m.gflops());
            out.put("gbPerS", m.gbPerS());
            out.put("itemNs", m.itemNs());
            out.put("smallGbPerS", m.small().gbPerS());
            out.put("smallItemNs", m.small().itemNs());
            out.put("eventUs", m.eventUs());
            out.put("concurrentQueues", m.concurrentQueues());
            out.put("oneGroupGflops", m.oneGroupGflops());
            out.put("oneGroupRowsGflops", m.oneGroupRowsGflops());
            out.put("stepOneGroupGflops", m.stepRates().oneRowGflops());
            out.put("stepOneGroupRowsGflops", m.stepRates().fourRowsGflops());
            out.put("overlap", m.overlap());
            out.put("groupOverlap", m.groupOverlap());
            Map<String, Double> byRows = new LinkedHashMap<>();
            for (int i = 0; i < m.gemmRates().rows().length; i++) {
                byRows.put(String.valueOf(m.gemmRates().rows()[i]), m.gemmRates().gflops()[i]);
            }
            out.put("gemmGflopsByRows", byRows);
            out.put("hostUsPerTransfer", m.host().usPerTransfer());
            out.put("hostNsPerByte", m.host().nsPerByte());
            out.put("hostUsPerLaunch", m.host().usPerLaunch());
            out.put("hostSharesCores", m.host().sharesCores());
            Path tmp = Files.createTempFile(file.getParent(), "calibration", ".tmp");
            json.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), out);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            System.err.println("note: could not cache the calibration in " + file + ": " + e.getMessage());
        }
        return new LaunchCostModel(m.overheadUs(), m.gflops(), m.gbPerS(), m.itemNs(), m.eventUs(), m.units(),
                m.concurrentQueues(), groupSize(device), m.oneGroupGflops(), m.oneGroupRowsGflops(), m.overlap(),
                m.groupOverlap(), m.gemmRates(), m.host(), m.longOverheadUs(), m.small(), m.stepRates(),
                "calibrated now, cached in " + file);
    }

    /** The cached {@code {"rows": gflops, ...}} map as rates by ascending row count. */
    private static LaunchCostModel.GemmRates gemmRates(Object v) {
        if (!(v instanceof Map<?, ?> byRows) || byRows.isEmpty()) {
            throw new IllegalArgumentException("bad or missing 'gemmGflopsByRows'");
        }
        java.util.TreeMap<Integer, Double> sorted = new java.util.TreeMap<>();
        for (Map.Entry<?, ?> e : byRows.entrySet()) {
            sorted.put(Integer.parseInt(String.valueOf(e.getKey())), num(byRows, e.getKey()));
        }
        return new LaunchCostModel.GemmRates(sorted.keySet().stream().mapToInt(Integer::intValue).toArray(),
                sorted.values().stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** Work-items per group of a one-launch recurrence: one on a CPU, a full group elsewhere. */
    private static int groupSize(DeviceInfo device) {
        return device.type() == io.recurflow.runtime.cl.DeviceType.CPU ? 1 : 256;
    }

    private static double num(Map<?, ?> m, Object key) {
        Object v = m.get(key);
        if (!(v instanceof Number n) || !Double.isFinite(n.doubleValue()) || n.doubleValue() < 0) {
            throw new IllegalArgumentException("bad or missing '" + key + "'");
        }
        return n.doubleValue();
    }

    /**
     * {@code steps} steps of a product of four rows with a 256 × 1024 weight as [k, n] in one work-item, the
     * way a one-launch recurrence computes several rows: four float16 vectors of columns, four rows of sums.
     */
    private static String oneGroupRowsKernel() {
        StringBuilder k = new StringBuilder("__kernel void onegroup4(__global const float* w, __global float* h, "
                + "__global float* out, int steps) {\n    for (int step = 0; step < steps; step++) {\n"
                + "        for (int j = 0; j < 1024; j += 64) {\n");
        for (int r = 0; r < 4; r++) {
            for (int q = 0; q < 4; q++) {
                k.append("            float16 s").append(r).append(q).append(" = (float16)(0.0f);\n");
            }
        }
        k.append("            for (int k = 0; k < 256; k++) {\n");
        k.append("                const __global float* wk = w + k * 1024 + j;\n");
        for (int q = 0; q < 4; q++) {
            k.append("                const float16 w").append(q).append(" = vload16(").append(q).append(", wk);\n");
        }
        for (int r = 0; r < 4; r++) {
            k.append("                const float a").append(r).append(" = h[").append(r * 256).append(" + k];\n");
            for (int q = 0; q < 4; q++) {
                k.append("                s").append(r).append(q).append(" += a").append(r).append(" * w").append(q)
                        .append(";\n");
            }
        }
        k.append("            }\n");
        for (int r = 0; r < 4; r++) {
            for (int q = 0; q < 4; q++) {
                k.append("            vstore16(s").append(r).append(q).append(", ").append(q).append(", out + ")
                        .append(r * 1024).append(" + j);\n");
            }
        }
        k.append("        }\n        for (int j = 0; j < 1024; j++) h[j] = 0.5f * h[j] + 0.001f * out[(j / 256) * 1024 + j % 256];\n"
                + "    }\n}\n");
        return k.toString();
    }

    private static final String KERNELS = """
            __kernel void nop(__global float* x) { }
            __kernel void copy(__global const float* a, __global float* b) {
                const int i = get_global_id(0);
                b[i] = a[i];
            }
            __kernel void small2(__global const int* l, int t0, __global float* a, __global float* b,
                                 __global float* c, __global float* d, __global float* e, __global float* f) {
                const int i = get_global_id(0);
                if (t0 < l[0]) b[i] = a[i] * c[i] + d[i] - e[i] * f[i];
            }
            __kernel void small(__global const int* l, int t0, __global float* a, __global float* b,
                                __global float* c, __global float* d, __global float* e, __global float* f) {
                const int i = get_global_id(0);
                if (t0 < l[0]) b[i] = a[i] + c[i] * d[i] + e[i] * f[i];
            }
            /*
             * 50 steps of h = 0.5 h + 0.001 (W h)[0:256] with W 1024 x 256 as [n, k]: a recurrence, its
             * product four outputs at a time in sixteen lanes as a one-launch recurrence computes one row
             */
            inline float rf_sum16(float16 v) {
                const float8 a = v.lo + v.hi;
                const float4 b = a.lo + a.hi;
                return b.x + b.y + b.z + b.w;
            }
            inline void recurrence(const __global float* w, __global float* h, __global float* out, int steps) {
                for (int step = 0; step < steps; step++) {
                    for (int j = 0; j < 1024; j += 4) {
                        const __global float* wrow = w + j * 256;
                        float16 s0 = (float16)(0.0f), s1 = (float16)(0.0f), s2 = (float16)(0.0f), s3 = (float16)(0.0f);
                        for (int k = 0; k < 256; k += 16) {
                            const float16 a = vload16(0, h + k);
                            s0 += a * vload16(0, wrow + k);
                            s1 += a * vload16(0, wrow + 256 + k);
                            s2 += a * vload16(0, wrow + 512 + k);
                            s3 += a * vload16(0, wrow + 768 + k);
                        }
                        out[j] = rf_sum16(s0);
                        out[j + 1] = rf_sum16(s1);
                        out[j + 2] = rf_sum16(s2);
                        out[j + 3] = rf_sum16(s3);
                    }
                    for (int j = 0; j < 256; j++) h[j] = 0.5f * h[j] + 0.001f * out[j];
                }
            }
            __kernel void onegroup(__global const float* w, __global float* h, __global float* out) {
                recurrence(w, h, out, 50);
            }
            /* one recurrence of the given number of steps per work-group, each with its own weights and state */
            __kernel void onegroupg(__global const float* ww, __global float* hh, __global float* oo, int steps) {
                const int g = get_group_id(0);
                recurrence(ww + g * 1024 * 256, hh + g * 256, oo + g * 1024, steps);
            }
            __kernel void gate(__global const float* a, __global float* b) {
                const int i = get_global_id(0);
                const float v = a[i];
                b[i] = (1.0f / (1.0f + exp(-v))) * (1.0f - 2.0f / (exp(2.0f * v) + 1.0f));
            }
            """;

    /**
     * Passes of the whole measurement, each constant the median of theirs: on a shared VM the machine's
     * speed can halve for a second or two (seen here within one pass: a GEMM at 987 µs against 553 µs in
     * the pass before, the work-group overlap 0.36 against 0.89), so that a single pass can be a bad one.
     */
    static final int PASSES = 3;

    /** Measures {@link #PASSES} times on {@code s}; each constant is the median of the passes'. */
    static LaunchCostModel measure(Session s, int units) {
        List<LaunchCostModel> passes = new ArrayList<>();
        for (int i = 0; i < PASSES; i++) {
            passes.add(measureOnce(s, units));
        }
        return medianOf(passes);
    }

    /** The model whose every constant is the median of {@code ms}' (GEMM rates row count by row count). */
    static LaunchCostModel medianOf(List<LaunchCostModel> ms) {
        java.util.function.Function<java.util.function.ToDoubleFunction<LaunchCostModel>, Double> med = f -> {
            double[] v = ms.stream().mapToDouble(f).sorted().toArray();
            return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        };
        LaunchCostModel first = ms.get(0);
        int[] rows = first.gemmRates().rows();
        double[] rates = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            int r = i;
            rates[i] = med.apply(m -> m.gemmRates().gflops()[r]);
        }
        double overlap = med.apply(LaunchCostModel::overlap);
        return new LaunchCostModel(med.apply(LaunchCostModel::overheadUs), med.apply(LaunchCostModel::gflops),
                med.apply(LaunchCostModel::gbPerS), med.apply(LaunchCostModel::itemNs), med.apply(LaunchCostModel::eventUs),
                first.units(), overlap >= MIN_OVERLAP, first.groupSize(), med.apply(LaunchCostModel::oneGroupGflops),
                med.apply(LaunchCostModel::oneGroupRowsGflops), overlap, med.apply(LaunchCostModel::groupOverlap),
                new LaunchCostModel.GemmRates(rows, rates),
                new LaunchCostModel.Host(med.apply(m -> m.host().usPerTransfer()), med.apply(m -> m.host().nsPerByte()),
                        med.apply(m -> m.host().usPerLaunch()), first.host().sharesCores()),
                med.apply(LaunchCostModel::longOverheadUs),
                new LaunchCostModel.Small(med.apply(m -> m.small().gbPerS()), med.apply(m -> m.small().itemNs())),
                new LaunchCostModel.StepRates(med.apply(m -> m.stepRates().oneRowGflops()),
                        med.apply(m -> m.stepRates().fourRowsGflops())),
                first.source());
    }

    /** Runs the measuring programs on {@code s} once and derives the constants (medians of repeated runs). */
    private static LaunchCostModel measureOnce(Session s, int units) {
        int big = LaunchCostModel.BIG_ITEMS;
        int launches = 200;
        List<BufferSpec> buffers = new ArrayList<>(List.of(
                new BufferSpec(0, "a", 4L * big, BufferSpec.Role.PARAM),
                new BufferSpec(1, "b", 4L * big, BufferSpec.Role.PARAM)));
        List<KernelSpec> kernels = new ArrayList<>(List.of(
                new KernelSpec(0, "nop", List.of(Arg.Kind.BUFFER)),
                new KernelSpec(1, "copy", List.of(Arg.Kind.BUFFER, Arg.Kind.BUFFER)),
                new KernelSpec(2, "gate", List.of(Arg.Kind.BUFFER, Arg.Kind.BUFFER)),
                new KernelSpec(3, "small", List.of(Arg.Kind.BUFFER, Arg.Kind.INT, Arg.Kind.BUFFER, Arg.Kind.BUFFER,
                        Arg.Kind.BUFFER, Arg.Kind.BUFFER, Arg.Kind.BUFFER, Arg.Kind.BUFFER)),
                new KernelSpec(6, "onegroup", List.of(Arg.Kind.BUFFER, Arg.Kind.BUFFER, Arg.Kind.BUFFER)),
                new KernelSpec(7, "onegroup4",
                        List.of(Arg.Kind.BUFFER, Arg.Kind.BUFFER, Arg.Kind.BUFFER, Arg.Kind.INT)),
                new KernelSpec(8, "onegroupg", List.of(Arg.Kind.BUFFER, Arg.Kind.BUFFER, Arg.Kind.BUFFER, Arg.Kind.INT)),
                new KernelSpec(9, "small2", List.of(Arg.Kind.BUFFER, Arg.Kind.INT, Arg.Kind.BUFFER, Arg.Kind.BUFFER,
                        Arg.Kind.BUFFER, Arg.Kind.BUFFER, Arg.Kind.BUFFER, Arg.Kind.BUFFER))));
        GemmSpec gemm = new GemmSpec("calib_gemm", 1024, 256, true, false, Activation.NONE, RowMode.PLAIN, false, true);
        int m = 256;
        buffers.add(new BufferSpec(2, "w", 4L * 1024 * 256, BufferSpec.Role.PARAM));
        buffers.add(new BufferSpec(3, "wp", 4L * GemmKernel.packedLength(gemm), BufferSpec.Role.PARAM));
        buffers.add(new BufferSpec(4, "lengths", 4L * 4, BufferSpec.Role.PARAM));
        // a recurrence's state beside the GEMM's buffers, and two recurrences' weights and states in one
        // buffer each, by work-group
        buffers.add(new BufferSpec(5, "h_a", 4L * 256, BufferSpec.Role.PARAM));
        buffers.add(new BufferSpec(6, "o_a", 4L * 1024, BufferSpec.Role.PARAM));
        buffers.add(new BufferSpec(7, "w_g", 2 * 4L * 1024 * 256, BufferSpec.Role.PARAM));
        buffers.add(new BufferSpec(8, "h_g", 2 * 4L * 256, BufferSpec.Role.PARAM));
        buffers.add(new BufferSpec(9, "o_g", 2 * 4L * 1024, BufferSpec.Role.PARAM));
        kernels.add(new KernelSpec(4, GemmKernel.packName(gemm),
                GemmKernel.packParams(gemm).stream().map(ParamKind::argKind).toList()));
        kernels.add(new KernelSpec(5, gemm.name(), GemmKernel.params(gemm).stream().map(ParamKind::argKind).toList()));
        GemmSpec dot = new GemmSpec("calib_gemm_dot", 1024, 256, true, false, Activation.NONE, RowMode.PLAIN, false, false);
        kernels.add(new KernelSpec(10, dot.name(), GemmKernel.params(dot).stream().map(ParamKind::argKind).toList()));
        kernels.sort(java.util.Comparator.comparingInt(KernelSpec::id));
        String source = KERNELS + "\n" + oneGroupRowsKernel() + "\n" + GemmKernel.source(gemm) + "\n"
                + GemmKernel.packSource(gemm) + "\n" + GemmKernel.source(dot);
        List<Instr> setup = List.of(new Instr.Fill(0, 0.5f, 0), new Instr.Fill(1, 0f, 0), new Instr.Fill(2, 0.1f, 0),
                new Instr.Fill(4, 1e9f, 0), new Instr.Fill(5, 0.5f, 0), new Instr.Fill(6, 0f, 0),
                new Instr.Fill(7, 0.1f, 0), new Instr.Fill(8, 0.5f, 0), new Instr.Fill(9, 0f, 0),
                new Instr.Launch(4, List.of(new Arg.Buffer(2), new Arg.Int(0), new Arg.Buffer(3), new Arg.Int(0)),
                        GemmKernel.packGlobalSize(gemm), GemmKernel.packLocalSize(gemm), 0, List.of(), -1, "pack"));
        List<Arg> gemmArgs = gemmArgs(gemm, 3, m);
        List<Instr> sameQueue = new ArrayList<>();
        List<Instr> crossQueue = new ArrayList<>();
        for (int i = 0; i < launches; i++) {
            // small element-wise launches with as many arguments as a fused step kernel, nearly all overhead,
            // as a recurrence issues them: two kernels in turn, each reading the other's result, the step
            // argument new at every launch
            boolean even = i % 2 == 0;
            sameQueue.add(new Instr.Launch(even ? 3 : 9, List.of(new Arg.Buffer(4), new Arg.Int(i),
                    new Arg.Buffer(even ? 0 : 1), new Arg.Buffer(even ? 1 : 0), new Arg.Buffer(2), new Arg.Buffer(2),
                    new Arg.Buffer(2), new Arg.Buffer(2)), new long[] {256}, null, 0, List.of(), -1, "small"));
            crossQueue.add(new Instr.Launch(0, List.of(new Arg.Buffer(0)), new long[] {1}, null, i % 2,
                    i == 0 ? List.of() : List.of(i - 1), i, "nop"));
        }
        List<Instr> copy = List.of(new Instr.Launch(1, List.of(new Arg.Buffer(0), new Arg.Buffer(1)),
                new long[] {big}, null, 0, List.of(), -1, "copy"));
        List<Instr> gate = List.of(new Instr.Launch(2, List.of(new Arg.Buffer(0), new Arg.Buffer(1)),
                new long[] {big}, null, 0, List.of(), -1, "gate"));
        // one-work-group recurrences (matrix-vector products over 1 MiB of weights): one beside a GEMM on a
        // second queue (the next layer's input projection, the other direction's: the pair a wavefront
        // overlaps), and two as work-groups of one launch (two directions of a layer, two layers of a
        // wavefront). How much of the shorter one's time does running them together save? (A busy loop
        // would overlap perfectly on two hardware threads of one core; these need the caches.)
        List<Arg> recurrenceArgs = List.of(new Arg.Buffer(2), new Arg.Buffer(5), new Arg.Buffer(6));
        List<Instr> recurrence = List.of(new Instr.Launch(6, recurrenceArgs, new long[] {1}, new long[] {1}, 0,
                List.of(), -1, "recurrence"));
        List<Arg> groupArgs = List.of(new Arg.Buffer(7), new Arg.Buffer(8), new Arg.Buffer(9), new Arg.Int(50));
        Instr.Launch oneOfTwoGroups = new Instr.Launch(8, groupArgs, new long[] {1}, new long[] {1}, 0, List.of(), -1,
                "one group");
        Instr.Launch twoGroups = new Instr.Launch(8, groupArgs, new long[] {2}, new long[] {1}, 0, List.of(), -1,
                "two groups");
        // 50 steps of a 1024 x 256 matrix-vector product in one work-item: a one-launch recurrence's rate
        List<Instr> oneGroup = List.of(new Instr.Launch(6, List.of(new Arg.Buffer(2), new Arg.Buffer(0),
                new Arg.Buffer(1)), new long[] {1}, new long[] {1}, 0, List.of(), -1, "onegroup"));
        List<Instr> oneGroupRows = List.of(oneGroupRows(STEP_CHAIN));
        // the same steps as a launch each, as a recurrence that runs each step in one launch issues them: one
        // row (the first of onegroupg's recurrences) and four
        List<Instr> rowStepChain = java.util.Collections.nCopies(STEP_CHAIN, new Instr.Launch(8,
                List.of(new Arg.Buffer(7), new Arg.Buffer(8), new Arg.Buffer(9), new Arg.Int(1)), new long[] {1},
                new long[] {1}, 0, List.of(), -1, "one row, one step"));
        List<Instr> rowsStepChain = java.util.Collections.nCopies(STEP_CHAIN, oneGroupRows(1));
        List<Instr> gemmRun = List.of(new Instr.Launch(5, gemmArgs, GemmKernel.globalSize(gemm, m),
                GemmKernel.localSize(gemm, m), 0, List.of(), -1, "gemm"));
        List<Instr> gemmBeside = List.of(gemmRun.get(0), new Instr.Launch(6, recurrenceArgs, new long[] {1},
                new long[] {1}, 1, List.of(), -1, "recurrence beside"));
        // GEMMs of a few rows read the weights as they are, [n, k], with dot products along k (the lowering
        // packs them only for more than 16 rows); timed as a step-by-step run issues them, see productSteps
        List<Instr> oneRowSteps = productSteps(dot, 1, sameQueue.get(0));
        List<Instr> fourRowSteps = productSteps(dot, 4, sameQueue.get(0));
        // the nine in turn, round after round, so that a change in the machine's speed (a shared VM) hits
        // all alike; each fraction and the launch overheads from their medians
        Rounds measured = interleavedWallUs(s, source, buffers, kernels, setup,
                List.of(recurrence, gemmRun, gemmBeside, sameQueue, crossQueue, oneRowSteps, fourRowSteps, rowStepChain,
                        rowsStepChain),
                List.of(1, 1, 2, 2, 2, 1, 1, 1, 1));
        double[][] rounds = measured.wallUs();
        double overhead = median(rounds, r -> r[3]) / launches;
        double cross = median(rounds, r -> r[4]) / launches;
        double enqueue = median(measured.enqueueUs(), r -> r[3]) / launches;
        double one = median(rounds, r -> r[0]);
        double gemmAlone = median(rounds, r -> r[1]);
        double mixed = median(rounds, r -> r[2]);
        double overlap = Math.max(0, Math.min(1, (one + gemmAlone - mixed) / Math.min(one, gemmAlone)));
        boolean concurrent = overlap >= MIN_OVERLAP;
        // the kernels' own times, all in one program run round after round, each after a different kernel as
        // in a real run: rates whose ratios decide between plans (a GEMM against a one-group product) come
        // from the same moments of the machine
        int few = LaunchCostModel.Small.ITEMS;
        int[] gemmRows = {1, 4, 32, m, 2048};
        List<Instr> timed = new ArrayList<>(List.of(oneGroup.get(0), oneGroupRows.get(0)));
        // the 256-row GEMM first (its rate is the model's flat one), then the more rows
        int[] order = {3, 2, 4};
        int[] gemmAt = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            int rows = gemmRows[order[i]];
            gemmAt[i] = timed.size();
            timed.add(new Instr.Launch(5, gemmArgs(gemm, 3, rows), GemmKernel.globalSize(gemm, rows),
                    GemmKernel.localSize(gemm, rows), 0, List.of(), -1, "gemm " + rows));
        }
        // the element-wise kernels over a step's worth of items (in the caches), then over 4 Mi (memory)
        timed.add(new Instr.Launch(1, List.of(new Arg.Buffer(0), new Arg.Buffer(1)), new long[] {few}, null, 0,
                List.of(), -1, "copy"));
        timed.add(new Instr.Launch(2, List.of(new Arg.Buffer(0), new Arg.Buffer(1)), new long[] {few}, null, 0,
                List.of(), -1, "gate"));
        timed.add(copy.get(0));
        timed.add(gate.get(0));
        // one and two work-groups of recurrence steps, each right after a GEMM as in a wavefront (the
        // device's threads awake: timed after an idle moment instead, the pair also paid a sleeping
        // thread's wake-up, and the overlap read 0.08-0.36 in 6 of 12 passes in a row)
        Instr.Launch gemm32 = projection(gemm);
        timed.addAll(List.of(gemm32, oneOfTwoGroups, gemm32, twoGroups));
        double[] us = deviceUs(s, source, buffers, kernels, setup, timed);
        double rowFlops = 2.0 * 1024 * 256;
        double oneGroupGflops = 50 * rowFlops / (us[0] * 1e3);
        double oneGroupRowsGflops = STEP_CHAIN * 4 * rowFlops / (us[1] * 1e3);
        // a one-step launch's share of its chain (rowStepChain, rowsStepChain in the rounds) less the overhead;
        // never faster than the steps in one launch
        double stepUs = Math.max(us[0] / 50, median(rounds, r -> r[7]) / STEP_CHAIN - overhead);
        double stepRowsUs = Math.max(us[1] / STEP_CHAIN, median(rounds, r -> r[8]) / STEP_CHAIN - overhead);
        LaunchCostModel.StepRates stepRates = new LaunchCostModel.StepRates(rowFlops / (stepUs * 1e3),
                4 * rowFlops / (stepRowsUs * 1e3));
        double[] rates = new double[gemmRows.length];
        for (int i = 0; i < order.length; i++) {
            rates[order[i]] = gemm.flops(gemmRows[order[i]]) / (us[gemmAt[i]] * 1e3);
        }
        // a few-row product's own time: its share of a step-by-step chain less the small launch's (as in the
        // chain of small launches alone), less the overhead every launch pays; never faster than the
        // 256-row GEMM
        for (int i = 0; i < 2; i++) {
            int chain = 5 + i; // oneRowSteps, fourRowSteps in the rounds
            int rows = gemmRows[i];
            double perProduct = median(rounds, r -> r[chain]) / (PRODUCT_STEPS * 2) - overhead;
            double fastest = dot.flops(rows) / (rates[3] * 1e3);
            rates[i] = dot.flops(rows) / (Math.max(fastest, perProduct - overhead) * 1e3);
        }
        int e = gemmAt[order.length - 1] + 1;
        LaunchCostModel.Small small = new LaunchCostModel.Small(8.0 * few / (us[e] * 1e3),
                Math.max(0, us[e + 1] - us[e]) * 1e3 / few);
        double gbPerS = 8.0 * big / (us[e + 2] * 1e3);
        double itemNs = Math.max(0, us[e + 3] - us[e + 2]) * 1e3 / big;
        double groupOne = us[e + 5];
        double groupTwo = us[e + 7];
        double groupOverlap = savedFraction(groupOne, groupTwo);
        System.err.printf("note: a one-work-group recurrence (%.0f us alone) took %.0f us beside a GEMM (%.0f us"
                + " alone) on a second queue; two as work-groups of one launch %.0f us (one %.0f us): the device %s%n",
                one, mixed, gemmAlone, groupTwo, groupOne,
                concurrent ? "runs queues side by side" : "gains little from several queues");
        double gflops = rates[3];
        double longOverhead = wavefrontOverheadUs(s, source, buffers, kernels, setup, gemm, overhead);
        return new LaunchCostModel(overhead, gflops, gbPerS, itemNs, Math.max(0, cross - overhead), units, concurrent,
                1, oneGroupGflops, oneGroupRowsGflops, overlap, groupOverlap,
                new LaunchCostModel.GemmRates(gemmRows, rates), host(s, enqueue), longOverhead, small, stepRates,
                "measured");
    }

    /** Launches in each chain of one-step launches, and steps of the four-row product in one launch. */
    private static final int STEP_CHAIN = 50;

    /** The four-row one-group product over {@code steps} steps in one launch. */
    private static Instr.Launch oneGroupRows(int steps) {
        return new Instr.Launch(7, List.of(new Arg.Buffer(2), new Arg.Buffer(0), new Arg.Buffer(1), new Arg.Int(steps)),
                new long[] {1}, new long[] {1}, 0, List.of(), -1, "onegroup4 x" + steps);
    }

    /** Steps of {@link #productSteps}. */
    private static final int PRODUCT_STEPS = 25;

    /**
     * Steps of a run that launches a recurrence's products at every step (the naive mode; the batched
     * mode's step as its GEMMs and element-wise kernels): a {@code rows}-row product over each of two
     * 1024 × 256 weights (a layer's input and its state), each followed by a small element-wise launch, all
     * enqueued one by one as the host does. Measured here: timed by itself after an element-wise kernel, a
     * 1-row product took 19-22 µs in four calibrations, twice its median in a profiled naive run of a
     * 1-layer LSTM (10.6 µs), and the naive mode was predicted 22% and 41% too slow. With six small
     * launches after each product, the products came out at 98-117 GFLOP/s for four rows, and a batched
     * step at B=4 as a 4-row GEMM and one element-wise launch was priced 5% above the step in one launch
     * while it ran 16-22% slower side by side (a 4-layer and a bidirectional LSTM, T=100), so that one
     * calibration in four chose it; with one, 73 GFLOP/s, and that step priced 25% above.
     */
    private static List<Instr> productSteps(GemmSpec dot, int rows, Instr small) {
        List<Instr> steps = new ArrayList<>();
        for (int step = 0; step < PRODUCT_STEPS; step++) {
            for (int b : new int[] {2, 7}) {
                steps.add(new Instr.Launch(10, gemmArgs(dot, b, rows), GemmKernel.globalSize(dot, rows),
                        GemmKernel.localSize(dot, rows), 0, List.of(), -1, "gemm " + rows));
                steps.add(small);
            }
        }
        return steps;
    }

    /** A 32-row GEMM with the packed weights: a wavefront's input projection of a chunk of steps. */
    private static Instr.Launch projection(GemmSpec gemm) {
        return new Instr.Launch(5, gemmArgs(gemm, 3, 32), GemmKernel.globalSize(gemm, 32), GemmKernel.localSize(gemm, 32),
                0, List.of(), -1, "projection");
    }

    /** A calibration GEMM's arguments: A in buffer 0, B in {@code b}, C in buffer 1, {@code rows} rows. */
    private static List<Arg> gemmArgs(GemmSpec spec, int b, int rows) {
        List<Arg> args = new ArrayList<>();
        for (ParamKind p : GemmKernel.params(spec)) {
            args.add(switch (p) {
                case A -> new Arg.Buffer(0);
                case B -> new Arg.Buffer(b);
                case C -> new Arg.Buffer(1);
                case M -> new Arg.Int(rows);
                default -> new Arg.Int(0);
            });
        }
        return args;
    }

    /**
     * The host's side of a run's transfers: a tensor converted to floats, written, read back and
     * converted to a tensor again, as {@link OpenClModel#run} does with a run's inputs and outputs —
     * 16 floats for the fixed cost of a transfer, 4 MiB for the cost per byte (medians of seven runs
     * after warming up).
     */
    private static LaunchCostModel.Host host(Session s, double enqueueUs) {
        double small = roundTripUs(s, 16);
        int n = 1 << 20;
        double big = roundTripUs(s, n);
        return new LaunchCostModel.Host(small / 2, Math.max(0, big - small) * 1e3 / (8.0 * n), enqueueUs,
                s.device().type() == io.recurflow.runtime.cl.DeviceType.CPU);
    }

    private static double roundTripUs(Session s, int n) {
        Program p = new Program("calibration-host", "__kernel void nop(__global float* x) { }\n",
                List.of(new BufferSpec(0, "x", 4L * n, BufferSpec.Role.INPUT)),
                List.of(new KernelSpec(0, "nop", List.of(Arg.Kind.BUFFER))), List.of(),
                List.of(new Instr.Write(0, "x", 0), new Instr.Read(0, "y", 0)), 1);
        io.recurflow.interp.Tensor in = io.recurflow.interp.Tensor.zeros(n);
        try (Loaded l = s.load(p, Map.of())) {
            double[] t = new double[7];
            for (int i = -20; i < t.length; i++) {
                long start = System.nanoTime();
                float[] out = l.run(Map.of("x", in.toFloats())).get("y");
                io.recurflow.interp.Tensor back = io.recurflow.interp.Tensor.of(new int[] {n}, out);
                if (back.size() != n) {
                    throw new IllegalStateException("host calibration read back " + back.size() + " values");
                }
                if (i >= 0) {
                    t[i] = (System.nanoTime() - start) / 1e3;
                }
            }
            Arrays.sort(t);
            return t[t.length / 2];
        }
    }

    /**
     * Overlap below which several queues are not worth their events and the device is treated as
     * serial (independent recurrences then share one launch, a work-group each). Measured here between
     * 0.00 and 0.26 in different runs, so the threshold sits well clear of them.
     */
    static final double MIN_OVERLAP = 0.5;

    /**
     * The fraction of a second, equal piece of work that running it together with the first saves: 1
     * when two take as long as one, 0 when they take twice as long.
     */
    static double savedFraction(double oneUs, double twoUs) {
        return Math.max(0, Math.min(1, (2 * oneUs - twoUs) / oneUs));
    }

    private static Program program(String name, String source, List<BufferSpec> buffers, List<KernelSpec> kernels,
                                   List<Instr> setup, List<Instr> run, int queues) {
        return new Program("calibration-" + name, source, buffers, kernels, setup, run, queues);
    }

    /**
     * The overhead of a launch of a kernel that loops over recurrence steps, a work-group each, as a
     * wavefront issues them: a chain of two work-groups of 8 recurrence steps each (the chunks of two
     * layers) and a 32-row GEMM (the input projection between them), in turn. Its wall time, less the
     * kernels' own time in a profiled run of the same chain next to it and the GEMMs' overhead
     * {@code gemmOverheadUs}, per recurrence launch (the median of nine such pairs of runs).
     */
    private static double wavefrontOverheadUs(Session s, String source, List<BufferSpec> buffers,
                                              List<KernelSpec> kernels, List<Instr> setup, GemmSpec gemm,
                                              double gemmOverheadUs) {
        List<Instr> chain = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            chain.add(new Instr.Launch(8, List.of(new Arg.Buffer(7), new Arg.Buffer(8), new Arg.Buffer(9), new Arg.Int(8)),
                    new long[] {2}, new long[] {1}, 0, List.of(), -1, "chunks"));
            chain.add(projection(gemm));
        }
        try (Loaded l = s.load(program("wavefront", source, buffers, kernels, setup, chain, 1), Map.of())) {
            JitWarmup.run(() -> {
                l.run(Map.of(), false);
                l.run(Map.of(), true);
            }, 3, WARMUP_MS);
            // each round's idle time: a run's wall time less the kernels' time in the profiled run next to it
            double[] idle = new double[ROUNDS];
            for (int r = 0; r < ROUNDS; r++) {
                double wall = l.run(Map.of(), false).wallNanos() / 1e3;
                idle[r] = wall - l.run(Map.of(), true).timings().stream().mapToLong(LaunchTiming::durationNs).sum() / 1e3;
            }
            Arrays.sort(idle);
            return Math.max(0, idle[ROUNDS / 2] / (chain.size() / 2) - gemmOverheadUs);
        }
    }

    /** Wall times and the host's enqueue times of interleaved runs: microseconds by round, then program. */
    private record Rounds(double[][] wallUs, double[][] enqueueUs) {
    }

    /**
     * One run of each of {@code runs} (on {@code queues[i]} queues), in turn, for {@link #ROUNDS} rounds
     * after warming them up until the JIT compiler is quiet.
     */
    private static Rounds interleavedWallUs(Session s, String source, List<BufferSpec> buffers,
                                           List<KernelSpec> kernels, List<Instr> setup, List<List<Instr>> runs,
                                           List<Integer> queues) {
        List<Loaded> loaded = new ArrayList<>();
        try {
            for (int i = 0; i < runs.size(); i++) {
                loaded.add(s.load(program("interleaved-" + i, source, buffers, kernels, setup, runs.get(i),
                        queues.get(i)), Map.of()));
            }
            // a few thousand launches at least (the chains' 200 a round), so that the JIT has compiled the
            // host's enqueue path
            JitWarmup.run(() -> {
                for (Loaded l : loaded) {
                    l.run(Map.of(), false);
                }
            }, 10, WARMUP_MS);
            double[][] t = new double[ROUNDS][runs.size()];
            double[][] enqueue = new double[ROUNDS][runs.size()];
            for (int r = 0; r < ROUNDS; r++) {
                for (int i = 0; i < runs.size(); i++) {
                    RunResult result = loaded.get(i).run(Map.of(), false);
                    t[r][i] = result.wallNanos() / 1e3;
                    enqueue[r][i] = result.enqueueNanos() / 1e3;
                }
            }
            return new Rounds(t, enqueue);
        } finally {
            for (Loaded l : loaded) {
                l.close();
            }
        }
    }

    private static final int ROUNDS = 9;

    /**
     * The longest each measurement warms up for the JIT compiler to go quiet ({@link JitWarmup}): its
     * thread would take one of the device's cores, and the overlaps of two work-groups or two queues
     * read low (measured here: 0.35 for two work-groups in a calibration early in a process, two
     * such groups as fast as one later in it).
     */
    private static final long WARMUP_MS = 1500;

    private static double median(double[][] rounds, java.util.function.ToDoubleFunction<double[]> f) {
        double[] v = Arrays.stream(rounds).mapToDouble(f).sorted().toArray();
        return v[v.length / 2];
    }

    /**
     * The device time of each launch of {@code launches}: all in one program, run for {@link #ROUNDS}
     * rounds after warming up until the JIT compiler is quiet; medians by launch.
     */
    private static double[] deviceUs(Session s, String source, List<BufferSpec> buffers, List<KernelSpec> kernels,
                                     List<Instr> setup, List<Instr> launches) {
        try (Loaded l = s.load(program("device", source, buffers, kernels, setup, launches, 1), Map.of())) {
            double[][] t = new double[launches.size()][ROUNDS];
            JitWarmup.run(() -> l.run(Map.of(), true), 1, WARMUP_MS);
            for (int r = 0; r < ROUNDS; r++) {
                List<LaunchTiming> timings = l.run(Map.of(), true).timings();
                for (int i = 0; i < launches.size(); i++) {
                    t[i][r] = timings.get(i).durationNs() / 1e3;
                }
            }
            double[] medians = new double[launches.size()];
            for (int i = 0; i < medians.length; i++) {
                Arrays.sort(t[i]);
                medians[i] = t[i][ROUNDS / 2];
            }
            return medians;
        }
    }
}
