package io.recurflow.cli;

import io.recurflow.codegen.Calibration;
import io.recurflow.codegen.CompiledModel;
import io.recurflow.codegen.Lowering;
import io.recurflow.codegen.bundle.BundleWriter;
import io.recurflow.ir.Graph;
import io.recurflow.runtime.bundle.Manifest;
import io.recurflow.runtime.cl.DeviceInfo;
import io.recurflow.runtime.cl.Session;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code recurflow compile}: a model compiled offline into a bundle JAR with a generated entry class. */
@Command(name = "compile", description = {"Compile a model offline into a bundle JAR: the manifest, the OpenCL source,",
    "the device binary for --device, the weights, the schedule and a generated entry class with typed methods",
    "(load(), setX(...), run(), getY(), close(), main). Run it with",
    "  java -cp \"$(recurflow classpath):OUT.jar\" CLASS [--seed S] [--seq T] [--lengths L,...]",
    "which prints the checksum= that `run MODEL --mode MODE --seed S --batch B --seq T` prints."})
final class CompileCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "A sample or a graph text file.")
    String model;

    @Option(names = "--weights", paramLabel = "CKPT.safetensors", description = "Parameters by name (default: the seeded random ones of `run --seed S`).")
    Path weights;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed of the random weights, and the entry class's default input seed (default 0).")
    long seed;

    @Option(names = "--batch", required = true, paramLabel = "B", description = "Sequences per batch.")
    int batch;

    @Option(names = "--max-seq", required = true, paramLabel = "T", description = "The longest sequence the bundle runs; shorter ones are padded.")
    int maxSeq;

    @Option(names = "--mode", defaultValue = "scheduled", description = "naive, batched or scheduled (default).")
    String mode;

    @Option(names = "--queues", defaultValue = "auto", paramLabel = "K|auto",
            description = "Command queues of the scheduled mode (default auto: the scheduler chooses, up to 4).")
    String queues;

    @Option(names = "--device", paramLabel = "D",
            description = "The device to build the stored binary for: an index from `devices` or a name substring (default: $RECURFLOW_DEVICE, else the first GPU, else the first device).")
    String device;

    @Option(names = "--class", required = true, paramLabel = "CLASS", description = "The entry class, e.g. com.example.MyModel.")
    String className;

    @Option(names = "-o", required = true, paramLabel = "OUT.jar", description = "The bundle to write.")
    Path out;

    @Override
    public Integer call() {
        Engines.Kind kind = Engines.Kind.parse(mode);
        if (kind == Engines.Kind.reference) {
            throw new UserException("--mode reference runs the interpreter and cannot be compiled; use naive, batched or scheduled");
        }
        if (batch < 1 || maxSeq < 1) {
            throw new UserException("--batch and --max-seq must be at least 1, got " + batch + " and " + maxSeq);
        }
        Graph g = Models.load(model);
        Feeds feeds = Feeds.prepare(g, batch, maxSeq, seed, null, weights, null);
        DeviceInfo d = Engines.device(device);
        Lowering.Options options = new Lowering.Options(Engines.queues(queues), 4, Calibration.forDevice(d));
        CompiledModel compiled = Lowering.lower(g, kind.codegen(), batch, maxSeq, options);
        Session session = Session.shared(d, Math.max(4, compiled.program().queues()));
        byte[] binary = session.deviceBinary(compiled.program(), Session.Options.DEFAULT);
        List<BundleWriter.DeviceBinary> binaries = binary == null ? List.of()
                : List.of(new BundleWriter.DeviceBinary(d, Session.Options.DEFAULT.buildOptions(), binary));
        Manifest m;
        try {
            m = BundleWriter.write(out, compiled, feeds.values(), weights == null ? seed : null, className, binaries);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage(), e);
        }
        System.out.printf("wrote %s (%d bytes): entry class %s, model %s, mode %s, batch %d, max-seq %d, %d launches per run%n",
                out, sizeOf(out), className, g.name(), kind, batch, maxSeq, compiled.program().launchesPerRun());
        System.out.println(binary == null ? "no device binary (the driver gives none): loading builds from source"
                : "device binary for " + d.name() + " (" + d.platformName() + ", driver " + d.driverVersion() + "), "
                + binary.length + " bytes");
        System.out.println("weights: " + (weights == null ? "random, seed " + seed : weights.toString()) + "; "
                + m.params().size() + " parameters");
        // the JVM's signal handlers kept first: see the launcher, which preloads the same library
        Path jsig = Path.of(System.getProperty("java.home"), "lib", "libjsig.so");
        System.out.println("run it: " + (Files.isRegularFile(jsig) ? "LD_PRELOAD=" + jsig + " " : "")
                + "java -cp \"$(./recurflow classpath):" + out + "\" " + className
                + (weights == null ? " --seed " + seed : ""));
        return 0;
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            return -1;
        }
    }
}
