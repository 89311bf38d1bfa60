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
 * -Dsurefire.failIfNoSpecifiedTests=false [-Dgemm.runs=10 -Dgemm.rounds=3]}. Each figure is the median of
 * the profiled device times of all runs (rounds x runs, each round after three warm-up launches); "wall" is
 * the median of enqueue-to-clFinish on the host, launch overhead included.
 */
public final class GemmBenchmark {
    @Test
    void benchmark() {
        main(new String[] {System.getProperty("gemm.runs", "10"), System.getProperty("gemm.rounds", "3")});
    }

    private record Shape(String label, int m, int n, int k, boolean transposeB, boolean packedB, RowMode rows) {
        GemmSpec spec(String name) {
            return new GemmSpec(name, n, k, transposeB, false, Activation.NONE, rows, false, packedB);
        }
    }

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
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
            List<Prepared> prepared = new ArrayList<>();
            Random random = new Random(1);
            for (int i = 0; i < shapes.size(); i++) {
                prepared.add(prepare(h, shapes.get(i), "bench" + i, random));
            }
            // Rounds over all shapes, so that a burst of other work on the machine spreads over the shapes
            // instead of spoiling one; the round medians show how steady the machine was.
            double[][] device = new double[shapes.size()][rounds * runs];
            double[][] wall = new double[shapes.size()][rounds * runs];
            for (int round = 0; round < rounds; round++) {
                for (int i = 0; i < prepared.size(); i++) {
                    Prepared p = prepared.get(i);
                    for (int w = 0; w < 3; w++) {
                        h.run(p.kernel(), p.global(), p.local());
                    }
                    for (int r = 0; r < runs; r++) {
                        long t0 = System.nanoTime();
                        device[i][round * runs + r] = h.run(p.kernel(), p.global(), p.local());
                        wall[i][round * runs + r] = (System.nanoTime() - t0) * 1e-9;
                    }
                }
            }
            System.out.println("load average after: " + loadAverage());
            System.out.println(rounds + " rounds of " + runs + " launches per shape, each after 3 warm-up launches; "
                    + "GFLOP/s from the median profiled time");
            System.out.printf("%-24s %5s %5s %5s %-3s %-6s %-5s %10s %9s %10s %10s  %s%n", "shape", "M", "N", "K", "B",
                    "packed", "rows", "median us", "GFLOP/s", "min us", "wall us", "round medians us");
            for (int i = 0; i < prepared.size(); i++) {
                Prepared p = prepared.get(i);
                Shape s = p.shape();
                double med = median(device[i]);
                StringBuilder roundMedians = new StringBuilder();
                for (int round = 0; round < rounds; round++) {
                    roundMedians.append(round == 0 ? "" : " / ").append(String.format("%.1f",
                            median(Arrays.copyOfRange(device[i], round * runs, (round + 1) * runs)) * 1e6));
                }
                System.out.printf("%-24s %5d %5d %5d %-3s %-6s %-5s %10.1f %9.1f %10.1f %10.1f  %s%s%n", s.label(), s.m(),
                        s.n(), s.k(), s.transposeB() ? "NK" : "KN", s.packedB() ? "yes" : "no",
                        s.rows() == RowMode.PLAIN ? "plain" : "step", med * 1e6, p.spec().flops(s.m()) / med * 1e-9,
                        Arrays.stream(device[i]).min().orElseThrow() * 1e6, median(wall[i]) * 1e6, roundMedians,
                        p.spec().packedB() ? String.format("  (pack, once per weight: %.1f us)", p.packUs()) : "");
            }
        }
    }

    private record Prepared(Shape shape, GemmSpec spec, cl_kernel kernel, long[] global, long[] local, double packUs) {
    }

    /** Builds the shape's kernel, fills its buffers (packing B when asked) and sets its arguments. */
    private static Prepared prepare(GemmHarness h, Shape s, String name, Random random) {
        GemmSpec spec = s.spec(name);
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
            // Step launches: batch = M sequences of length 3 at step 1 reading step 0, all valid.
            kernelArgs.add(switch (p) {
                case A -> h.buffer(a);
                case B -> bBuf;
                case C -> c;
                case M, BATCH -> s.m();
                case LENGTHS -> h.buffer(filled(s.m(), 3));
                case T0, DELAY -> 1;
                default -> 0;
            });
        }
        cl_kernel kernel = h.kernel(program, spec.name());
        h.setArgs(kernel, kernelArgs);
        return new Prepared(s, spec, kernel, GemmKernel.globalSize(spec, s.m()), GemmKernel.localSize(spec, s.m()), packUs);
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
