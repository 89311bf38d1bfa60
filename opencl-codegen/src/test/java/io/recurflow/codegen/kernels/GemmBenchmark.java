package io.recurflow.codegen.kernels;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;
import org.junit.jupiter.api.Test;

/**
 * GFLOP/s of generated GEMMs on the default OpenCL device, run by hand (its name keeps it out of
 * {@code mvn test}): {@code mvn -B -q -o -pl opencl-codegen -am test -Dtest=GemmBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false [-Dgemm.runs=15]}. Each figure is the median of the profiled
 * device times of the runs after three warm-up launches; "wall" is the median of enqueue-to-clFinish on
 * the host, launch overhead included.
 */
public final class GemmBenchmark {
    @Test
    void benchmark() {
        main(new String[] {System.getProperty("gemm.runs", "15")});
    }

    private record Shape(String label, int m, int n, int k, boolean transposeB, boolean packedB, RowMode rows) {
        GemmSpec spec(String name) {
            return new GemmSpec(name, n, k, transposeB, false, Activation.NONE, rows, false, packedB);
        }
    }

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        List<Shape> shapes = new ArrayList<>();
        for (boolean tb : new boolean[] {false, true}) {
            for (boolean packed : new boolean[] {false, true}) {
                shapes.add(new Shape("1024^3", 1024, 1024, 1024, tb, packed, RowMode.PLAIN));
            }
        }
        for (boolean packed : new boolean[] {false, true}) {
            shapes.add(new Shape("step, batch 1", 1, 1024, 256, true, packed, RowMode.STEP));
            shapes.add(new Shape("step, batch 32", 32, 1024, 256, true, packed, RowMode.STEP));
            shapes.add(new Shape("input proj. T=200, B=1", 200, 1024, 256, true, packed, RowMode.PLAIN));
            shapes.add(new Shape("input proj. T=200, B=32", 6400, 1024, 256, true, packed, RowMode.PLAIN));
        }
        try (GemmHarness h = new GemmHarness()) {
            System.out.println("device: " + h.device().describe());
            System.out.println("load average before: " + loadAverage());
            System.out.println("median of " + runs + " launches after 3 warm-up launches; GFLOP/s from the profiled time");
            System.out.printf("%-24s %5s %5s %5s %-3s %-6s %-5s %10s %9s %10s %10s%n", "shape", "M", "N", "K", "B", "packed",
                    "rows", "median us", "GFLOP/s", "min us", "wall us");
            Random random = new Random(1);
            for (int i = 0; i < shapes.size(); i++) {
                Shape s = shapes.get(i);
                GemmSpec spec = s.spec("bench" + i);
                String source = GemmKernel.source(spec) + (spec.packedB() ? GemmKernel.packSource(spec) : "");
                cl_program program = h.build(source);
                float[] a = randoms(random, s.m() * s.k());
                float[] b = randoms(random, s.n() * s.k());
                cl_mem bBuf = h.buffer(b);
                double packUs = Double.NaN;
                if (spec.packedB()) {
                    cl_mem p = h.buffer(new float[(int) GemmKernel.packedLength(spec)]);
                    cl_kernel pack = h.kernel(program, GemmKernel.packName(spec));
                    h.setArgs(pack, List.of(bBuf, 0, p, 0));
                    double[] t = new double[5];
                    for (int r = 0; r < t.length; r++) {
                        t[r] = h.run(pack, GemmKernel.packGlobalSize(spec), GemmKernel.packLocalSize(spec));
                    }
                    packUs = median(t) * 1e6;
                    bBuf = p;
                }
                cl_mem c = h.buffer(new float[s.m() * s.n()]);
                List<Object> kernelArgs = new ArrayList<>();
                for (ParamKind p : GemmKernel.params(spec)) {
                    kernelArgs.add(switch (p) {
                        case A -> h.buffer(a);
                        case B -> bBuf;
                        case C -> c;
                        case M, BATCH -> s.m();
                        case LENGTHS -> h.buffer(filled(s.m(), 3));
                        case T0 -> 1;
                        case DELAY -> 1;
                        default -> 0;
                    });
                }
                cl_kernel kernel = h.kernel(program, spec.name());
                h.setArgs(kernel, kernelArgs);
                long[] global = GemmKernel.globalSize(spec, s.m());
                long[] local = GemmKernel.localSize(spec, s.m());
                for (int w = 0; w < 3; w++) {
                    h.run(kernel, global, local);
                }
                double[] device = new double[runs];
                double[] wall = new double[runs];
                for (int r = 0; r < runs; r++) {
                    long t0 = System.nanoTime();
                    device[r] = h.run(kernel, global, local);
                    wall[r] = (System.nanoTime() - t0) * 1e-9;
                }
                double med = median(device);
                System.out.printf("%-24s %5d %5d %5d %-3s %-6s %-5s %10.1f %9.1f %10.1f %10.1f%s%n", s.label(), s.m(), s.n(),
                        s.k(), s.transposeB() ? "NK" : "KN", s.packedB() ? "yes" : "no", s.rows() == RowMode.PLAIN ? "plain" : "step",
                        med * 1e6, spec.flops(s.m()) / med * 1e-9, Arrays.stream(device).min().orElseThrow() * 1e6,
                        median(wall) * 1e6, spec.packedB() ? String.format("  (pack once: %.1f us)", packUs) : "");
            }
            System.out.println("load average after: " + loadAverage());
        }
    }

    /** Other processes on the machine slow the figures down; the load average tells whether there were any. */
    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static float[] randoms(Random random, int length) {
        float[] x = new float[length];
        for (int i = 0; i < length; i++) {
            x[i] = random.nextFloat() * 2 - 1;
        }
        return x;
    }

    private static int[] filled(int length, int value) {
        int[] x = new int[length];
        Arrays.fill(x, value);
        return x;
    }
}
