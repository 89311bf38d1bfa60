package io.recurflow.cli;

import io.recurflow.codegen.CompiledModel;
import io.recurflow.codegen.Lowering;
import io.recurflow.codegen.Mode;
import io.recurflow.codegen.OpenClModel;
import io.recurflow.interp.ReferenceInterpreter;
import io.recurflow.interp.Tensor;
import io.recurflow.ir.Graph;
import io.recurflow.runtime.cl.DeviceInfo;
import io.recurflow.runtime.cl.Devices;
import io.recurflow.runtime.cl.Session;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The execution modes behind {@code run}, {@code bench} and {@code demo}: a name each, one way to run a batch. */
final class Engines {
    private Engines() {
    }

    /** The modes a user can name. */
    enum Kind {
        reference, naive, batched, scheduled;

        static Kind parse(String text) {
            try {
                return valueOf(text.trim().toLowerCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new UserException("unknown mode '" + text + "' (modes: reference, naive, batched, scheduled)");
            }
        }

        Mode codegen() {
            return switch (this) {
                case naive -> Mode.NAIVE;
                case batched -> Mode.BATCHED;
                case scheduled -> Mode.SCHEDULED;
                case reference -> throw new IllegalStateException("the reference mode is not compiled");
            };
        }
    }

    /** A mode ready to run batches of one shape; close it to free the device memory. */
    interface Engine extends AutoCloseable {
        Map<String, Tensor> run(Map<String, Tensor> feeds, int[] lengths);

        /** Launches per run (0 for the reference interpreter). */
        int launches();

        /** The cost model's prediction of a run in microseconds, or NaN. */
        default double predictedUs() {
            return Double.NaN;
        }

        /** One more run with every launch profiled (empty for the reference interpreter). */
        default List<io.recurflow.runtime.cl.LaunchTiming> profile(Map<String, Tensor> feeds, int[] lengths) {
            return List.of();
        }

        /** The compiled model, or null for the reference interpreter. */
        default CompiledModel compiled() {
            return null;
        }

        /** What the mode holds in device memory, or null. */
        default String memory() {
            return null;
        }

        @Override
        void close();
    }

    static DeviceInfo device(String spec) {
        try {
            return Devices.select(spec);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage(), e);
        }
    }

    /** Prepares {@code kind} for batches of {@code batch} × {@code steps} with the parameters in {@code feeds}. */
    static Engine open(Kind kind, Graph g, int batch, int steps, Map<String, Tensor> feeds, String deviceSpec) {
        return open(kind, g, batch, steps, feeds, deviceSpec, 0);
    }

    /** The queue count option: a number, or "auto" (0: the scheduler chooses). */
    static int queues(String text) {
        if (text == null || text.equals("auto")) {
            return 0;
        }
        try {
            int q = Integer.parseInt(text);
            if (q < 1) {
                throw new NumberFormatException();
            }
            return q;
        } catch (NumberFormatException e) {
            throw new UserException("--queues takes a number of queues (1 or more) or 'auto', got '" + text + "'");
        }
    }

    /** As above, with {@code queues} command queues for the scheduled mode (0: auto). */
    static Engine open(Kind kind, Graph g, int batch, int steps, Map<String, Tensor> feeds, String deviceSpec,
                       int queues) {
        return open(kind, g, batch, steps, feeds, deviceSpec, queues, 1);
    }

    /**
     * The {@code --streams} option: S ≥ 1 independent groups of sequences, for the scheduled mode only;
     * a usage error otherwise.
     */
    static void checkStreams(picocli.CommandLine.Model.CommandSpec spec, int streams, Kind mode) {
        if (streams < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--streams takes a number of streams (1 or more), got " + streams);
        }
        if (streams > 1 && mode != Kind.scheduled) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--streams splits the batch in the scheduled mode only (--mode scheduled), not in " + mode);
        }
    }

    /** As above, with the batch split into {@code streams} streams (the scheduled mode; 1 elsewhere). */
    static Engine open(Kind kind, Graph g, int batch, int steps, Map<String, Tensor> feeds, String deviceSpec,
                       int queues, int streams) {
        if (kind == Kind.reference) {
            ReferenceInterpreter interp = new ReferenceInterpreter(g);
            return new Engine() {
                @Override
                public Map<String, Tensor> run(Map<String, Tensor> f, int[] lengths) {
                    return interp.run(f, lengths);
                }

                @Override
                public int launches() {
                    return 0;
                }

                @Override
                public void close() {
                }
            };
        }
        DeviceInfo device = device(deviceSpec);
        Lowering.Options options = new Lowering.Options(queues, 4, io.recurflow.codegen.Calibration.forDevice(device),
                streams);
        CompiledModel compiled = Lowering.lower(g, kind.codegen(), batch, steps, options);
        Session session = Session.shared(device, Math.max(4, compiled.program().queues()));
        OpenClModel model = OpenClModel.load(session, compiled, feeds);
        return new Engine() {
            @Override
            public Map<String, Tensor> run(Map<String, Tensor> f, int[] lengths) {
                return model.run(f, lengths);
            }

            @Override
            public int launches() {
                return compiled.program().launchesPerRun();
            }

            @Override
            public String memory() {
                return model.memory().toString();
            }

            @Override
            public double predictedUs() {
                return compiled.predictedUs();
            }

            @Override
            public CompiledModel compiled() {
                return compiled;
            }

            @Override
            public List<io.recurflow.runtime.cl.LaunchTiming> profile(Map<String, Tensor> f, int[] lengths) {
                return model.run(f, lengths, true).raw().timings();
            }

            @Override
            public void close() {
                model.close();
            }
        };
    }
}
