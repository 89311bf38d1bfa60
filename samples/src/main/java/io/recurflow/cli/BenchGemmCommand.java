package io.recurflow.cli;

import io.recurflow.codegen.kernels.Activation;
import io.recurflow.codegen.kernels.GemmKernel;
import io.recurflow.codegen.kernels.GemmSpec;
import io.recurflow.codegen.kernels.ParamKind;
import io.recurflow.codegen.kernels.RowMode;
import io.recurflow.runtime.cl.LaunchTiming;
import io.recurflow.runtime.cl.Loaded;
import io.recurflow.runtime.cl.RunResult;
import io.recurflow.runtime.cl.Session;
import io.recurflow.runtime.program.Arg;
import io.recurflow.runtime.program.BufferSpec;
import io.recurflow.runtime.program.Instr;
import io.recurflow.runtime.program.KernelSpec;
import io.recurflow.runtime.program.Program;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code recurflow bench gemm}: the tiled GEMM alone, C[M, N] = A[M, K] · B, timed by OpenCL profiling
 * (device time of each launch) and checked once against a plain-Java product.
 */
@Command(name = "gemm", description = "Time the GEMM kernel alone: C[M, N] = A[M, K] · B; prints GFLOP/s.")
final class BenchGemmCommand implements Callable<Integer> {
    @Option(names = "--m", required = true, description = "Rows of A and C.")
    int m;

    @Option(names = "--n", required = true, description = "Columns of B and C.")
    int n;

    @Option(names = "--k", required = true, description = "Columns of A, rows of B.")
    int k;

    @Option(names = "--transpose-b", description = "B is [N, K] (PyTorch's weight layout) instead of [K, N].")
    boolean transposeB;

    @Option(names = "--packed", description = "Repack B into the kernel's panel layout once first (as weights are).")
    boolean packed;

    @Option(names = "--runs", defaultValue = "20", description = "Timed launches (default 20).")
    int runs;

    @Option(names = "--warmup", defaultValue = "3", description = "Untimed launches first (default 3).")
    int warmup;

    @Option(names = "--device", paramLabel = "D", description = "OpenCL device (see `run --help`).")
    String device;

    @Override
    public Integer call() {
        if (m < 1 || n < 1 || k < 1 || runs < 1 || warmup < 0) {
            throw new UserException("--m, --n, --k and --runs must be at least 1, --warmup at least 0");
        }
        GemmSpec spec = new GemmSpec("bench_gemm", n, k, transposeB, false, Activation.NONE, RowMode.PLAIN, false,
                packed);
        List<BufferSpec> buffers = new ArrayList<>(List.of(
                new BufferSpec(0, "A", 4L * m * k, BufferSpec.Role.PARAM),
                new BufferSpec(1, "B", 4L * k * n, BufferSpec.Role.PARAM),
                new BufferSpec(2, "C", 4L * m * n, BufferSpec.Role.OUTPUT)));
        List<KernelSpec> kernels = new ArrayList<>();
        List<Instr> setup = new ArrayList<>(List.of(new Instr.Write(0, "A", 0), new Instr.Write(1, "B", 0)));
        String source = GemmKernel.source(spec);
        int bBuffer = 1;
        if (packed) {
            buffers.add(new BufferSpec(3, "B.packed", 4L * GemmKernel.packedLength(spec), BufferSpec.Role.PARAM));
            kernels.add(new KernelSpec(0, GemmKernel.packName(spec), kinds(GemmKernel.packParams(spec))));
            setup.add(new Instr.Launch(0, List.of(new Arg.Buffer(1), new Arg.Int(0), new Arg.Buffer(3), new Arg.Int(0)),
                    GemmKernel.packGlobalSize(spec), GemmKernel.packLocalSize(spec), 0, List.of(), -1, "pack B"));
            source = source + "\n" + GemmKernel.packSource(spec);
            bBuffer = 3;
        }
        int gemm = kernels.size();
        kernels.add(new KernelSpec(gemm, spec.name(), kinds(GemmKernel.params(spec))));
        List<Arg> args = new ArrayList<>();
        for (ParamKind p : GemmKernel.params(spec)) {
            args.add(switch (p) {
                case A -> new Arg.Buffer(0);
                case B -> new Arg.Buffer(bBuffer);
                case C -> new Arg.Buffer(2);
                case M -> new Arg.Int(m);
                default -> new Arg.Int(0);
            });
        }
        Instr.Launch launch = new Instr.Launch(gemm, args, GemmKernel.globalSize(spec, m), GemmKernel.localSize(spec, m),
                0, List.of(), -1, "gemm");
        Program program = new Program("bench-gemm", source, buffers, kernels, setup,
                List.of(launch, new Instr.Read(2, "C", 0)), 1);
        float[] a = random(1, (long) m * k);
        float[] b = random(2, (long) k * n);
        Map<String, Object> host = new LinkedHashMap<>();
        host.put("A", a);
        host.put("B", b);
        Session session = Session.shared(Engines.device(device), 4);
        double[] us = new double[runs];
        double err;
        try (Loaded loaded = session.load(program, host)) {
            err = maxError(loaded.run(Map.of()).get("C"), a, b);
            for (int i = 0; i < warmup; i++) {
                loaded.run(Map.of());
            }
            for (int i = 0; i < runs; i++) {
                RunResult r = loaded.run(Map.of(), true);
                LaunchTiming t = r.timings().get(0);
                us[i] = (t.endNs() - t.startNs()) / 1e3;
            }
        }
        Arrays.sort(us);
        double median = BenchCommand.median(us);
        double flops = 2.0 * m * n * k;
        System.out.printf("gemm %dx%dx%d (B as %s%s) on %s%n", m, n, k, transposeB ? "[N, K]" : "[K, N]",
                packed ? ", packed" : "", session.device().name());
        System.out.printf("  device time per launch: median %.1f us, min %.1f us, max %.1f us (%d runs)%n", median,
                us[0], us[us.length - 1], runs);
        System.out.printf("  %.1f GFLOP/s (median)%n", flops / (median * 1e3));
        System.out.printf("  max error against a plain-Java product, relative to its largest value: %.2e%n", err);
        return err > 1e-4 ? 1 : 0;
    }

    private static List<Arg.Kind> kinds(List<ParamKind> params) {
        return params.stream().map(ParamKind::argKind).toList();
    }

    private static float[] random(long seed, long count) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] f = new float[Math.toIntExact(count)];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return f;
    }

    /** Checks a sample of rows (all of them when small) against a double-precision product. */
    private double maxError(float[] c, float[] a, float[] b) {
        double maxErr = 0;
        double maxRef = 0;
        int step = Math.max(1, m / 64);
        for (int i = 0; i < m; i += step) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += (double) a[i * k + p] * (transposeB ? b[j * k + p] : b[p * n + j]);
                }
                maxErr = Math.max(maxErr, Math.abs(s - c[i * n + j]));
                maxRef = Math.max(maxRef, Math.abs(s));
            }
        }
        return maxRef == 0 ? maxErr : maxErr / maxRef;
    }
}
