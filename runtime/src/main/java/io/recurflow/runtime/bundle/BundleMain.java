package io.recurflow.runtime.bundle;

import io.recurflow.runtime.cl.NoOpenClException;
import io.recurflow.runtime.cl.OpenClException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * The {@code main} of every entry class: runs the bundle on the seeded random inputs that
 * {@code recurflow run MODEL --seed S --seq T} feeds, and prints the output shapes, the time and
 * {@code checksum=} as {@code run} does (the float64 sum of every output element, per-step outputs
 * over the T steps run). The seed defaults to the one the bundle's weights were drawn with, so that the
 * checksum equals {@code run}'s with that seed.
 *
 * <pre>java -cp "$(recurflow classpath):model.jar" com.example.MyModel [--seed S] [--seq T] [--lengths L,…] [--device D] [--runs R]</pre>
 */
public final class BundleMain {
    static final String USAGE = "usage: java -cp \"$(recurflow classpath):BUNDLE.jar\" ENTRY_CLASS [--seed S] [--seq T]"
            + " [--lengths L,L,...] [--device D] [--runs R]";

    private BundleMain() {
    }

    /** Parsed options; {@code seq} and {@code lengths} are null when not given. */
    record Options(Long seed, Integer seq, int[] lengths, String device, int runs) {
    }

    /** A mistake on the command line: exit code 2. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    /** Runs and exits: 0 done, 1 an error in the bundle or its run, 2 a usage error. */
    public static void main(Class<?> entry, String[] args) {
        System.exit(execute(entry, args, System.out, System.err));
    }

    /** As {@link #main} without exiting; returns the exit code. */
    public static int execute(Class<?> entry, String[] args, PrintStream out, PrintStream err) {
        Options o;
        try {
            o = parse(args);
        } catch (UsageException e) {
            err.println("error: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        if (o == null) {
            out.println(USAGE);
            return 0;
        }
        try {
            run(entry, o, out);
            return 0;
        } catch (BundleException | NoOpenClException | OpenClException | IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
    }

    static Options parse(String[] args) {
        Long seed = null;
        Integer seq = null;
        int[] lengths = null;
        String device = null;
        int runs = 1;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                return null;
            }
            if (i + 1 >= args.length) {
                throw new UsageException(a.startsWith("--") ? a + " needs a value" : "unexpected argument '" + a + "'");
            }
            String v = args[++i];
            switch (a) {
                case "--seed" -> seed = number(a, v);
                case "--seq" -> seq = (int) number(a, v);
                case "--runs" -> runs = (int) number(a, v);
                case "--device" -> device = v;
                case "--lengths" -> lengths = Arrays.stream(v.split(",")).mapToInt(s -> (int) number(a, s.trim())).toArray();
                default -> throw new UsageException("unknown option '" + a + "'");
            }
        }
        if (runs < 1) {
            throw new UsageException("--runs must be at least 1");
        }
        return new Options(seed, seq, lengths, device, runs);
    }

    private static long number(String option, String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new UsageException(option + " takes a number, not '" + v + "'");
        }
    }

    private static void run(Class<?> entry, Options o, PrintStream out) {
        Bundle bundle = Bundle.of(entry);
        Manifest m = bundle.manifest();
        long seed = o.seed() != null ? o.seed() : m.seed() != null ? m.seed() : 0;
        int steps = o.seq() != null ? o.seq()
                : o.lengths() != null ? Arrays.stream(o.lengths()).max().orElse(m.maxSteps()) : m.maxSteps();
        if (steps < 1 || steps > m.maxSteps()) {
            throw new BundleException("--seq " + steps + " is outside [1, " + m.maxSteps() + "]: the bundle was compiled"
                    + " for sequences of at most " + m.maxSteps() + " steps (recurflow compile --max-seq)");
        }
        int[] lengths = o.lengths();
        if (lengths == null) {
            lengths = new int[m.batch()];
            Arrays.fill(lengths, steps);
        }
        for (int len : lengths) {
            if (len < 1 || len > steps) {
                throw new BundleException("--lengths has length " + len + "; each must be in [1, " + steps + "]");
            }
        }
        try (BundleHandle h = bundle.load(o.device())) {
            for (Manifest.Input in : m.inputs()) {
                Object v = RandomInputs.draw(in, seed, steps);
                if (v instanceof int[]) {
                    h.setInput(in.name(), (int[]) v, null);
                } else {
                    h.setInput(in.name(), (float[]) v, null);
                }
            }
            h.setLengths(lengths);
            long start = System.nanoTime();
            h.run();
            double ms = (System.nanoTime() - start) / 1e6;
            long sinceJvmStart = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
            double checksum = 0;
            out.printf("model %s, bundle %s (%s), seed %d, batch %d, seq %d, lengths %s%n", m.model(), m.entryClass(),
                    m.mode(), seed, m.batch(), steps, Arrays.toString(lengths));
            for (String name : h.outputNames()) {
                out.printf("  %-12s f32%s%n", name, Arrays.toString(h.outputShape(name)));
                for (float v : h.output(name)) {
                    checksum += v;
                }
            }
            out.printf("time %.1f ms (first run)%n", ms);
            out.printf("first result %d ms after JVM start (kernels %s)%n", sinceJvmStart,
                    h.fromBinary() ? "from the bundle's device binary" : "built from source");
            if (o.runs() > 1) {
                double[] times = new double[o.runs() - 1];
                for (int r = 0; r < times.length; r++) {
                    long t0 = System.nanoTime();
                    h.run();
                    times[r] = (System.nanoTime() - t0) / 1e6;
                }
                Arrays.sort(times);
                out.printf("median of %d more runs %.3f ms (min %.3f, max %.3f)%n", times.length, times[times.length / 2],
                        times[0], times[times.length - 1]);
            }
            out.println("checksum=" + String.format("%.12g", checksum));
        }
    }
}
