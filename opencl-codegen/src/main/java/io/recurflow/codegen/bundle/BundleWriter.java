package io.recurflow.codegen.bundle;

import io.recurflow.codegen.CompiledModel;
import io.recurflow.codegen.asm.EntryClass;
import io.recurflow.codegen.asm.EntryClassGenerator;
import io.recurflow.interp.RandomFeeds;
import io.recurflow.interp.ReferenceInterpreter;
import io.recurflow.interp.Tensor;
import io.recurflow.ir.DType;
import io.recurflow.ir.Graph;
import io.recurflow.ir.Node;
import io.recurflow.ir.Op;
import io.recurflow.runtime.RecurflowVersion;
import io.recurflow.runtime.bundle.Bundle;
import io.recurflow.runtime.bundle.Manifest;
import io.recurflow.runtime.cl.DeviceInfo;
import io.recurflow.runtime.program.Program;
import io.recurflow.runtime.program.ProgramJson;
import io.recurflow.runtime.safetensors.HostTensor;
import io.recurflow.runtime.safetensors.SafeTensors;
import io.recurflow.scc.schedule.ScheduleDot;
import io.recurflow.scc.schedule.SchedulePrinter;
import io.recurflow.text.GraphPrinter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.lang.model.SourceVersion;

/**
 * Writes a compiled model as a bundle JAR (layout in {@link Bundle}): the entry class, the manifest
 * with the SHA-256 of every other entry, the OpenCL source, the weights as safetensors, the schedule
 * as DOT and the given device binaries. The JAR's bytes depend only on what goes in (fixed entry times).
 */
public final class BundleWriter {
    /** A device binary of the model's program, built with {@code buildOptions} on {@code device}. */
    public record DeviceBinary(DeviceInfo device, String buildOptions, byte[] binary) {
    }

    /** A fixed time for every entry (2020-01-01), so that the same bundle gives the same bytes. */
    private static final long ENTRY_TIME = 1577836800000L;

    private BundleWriter() {
    }

    /**
     * Writes the bundle of {@code model} to {@code jar} with entry class {@code entryClass} (a binary
     * name such as {@code com.example.MyModel}), the parameters in {@code weights} (by graph name;
     * others are ignored) and {@code binaries}. Returns the manifest written.
     *
     * @throws IllegalArgumentException when the class name is not a Java binary name or a parameter is missing
     */
    public static Manifest write(Path jar, CompiledModel model, Map<String, Tensor> weights, String entryClass,
                                 List<DeviceBinary> binaries) {
        return write(jar, model, weights, null, entryClass, binaries);
    }

    /** As above; {@code seed} is the seed the weights were drawn with (null: from a file), {@code main}'s default. */
    public static Manifest write(Path jar, CompiledModel model, Map<String, Tensor> weights, Long seed, String entryClass,
                                 List<DeviceBinary> binaries) {
        checkClassName(entryClass);
        String folder = Bundle.folder(entryClass);
        Graph g = model.graph();
        Program program = model.program();

        Map<String, byte[]> files = new LinkedHashMap<>();
        MethodNames names = new MethodNames();
        List<Manifest.Input> inputs = inputs(model, names);
        List<Manifest.Output> outputs = new ArrayList<>();
        for (String name : model.outputs()) {
            Node n = g.node(name);
            outputs.add(new Manifest.Output(name, name, n.isPerStep(), outputShape(model, n), names.next("get", name)));
        }
        List<Manifest.Param> params = new ArrayList<>();
        List<HostTensor> tensors = new ArrayList<>();
        for (Map.Entry<String, String> p : model.params().entrySet()) {
            int[] shape = ReferenceInterpreter.feedShape(g.node(p.getKey()), model.batch(), model.steps());
            Tensor t = weights.get(p.getKey());
            if (t == null) {
                throw new IllegalArgumentException("no weights for parameter '" + p.getKey() + "' f32" + Arrays.toString(shape));
            }
            if (!Arrays.equals(t.shape(), shape)) {
                throw new IllegalArgumentException("parameter '" + p.getKey() + "' has shape " + Arrays.toString(t.shape())
                        + ", the model needs " + Arrays.toString(shape));
            }
            params.add(new Manifest.Param(p.getKey(), p.getValue(), shape));
            tensors.add(HostTensor.f32(p.getKey(), t.toFloats(), Arrays.stream(shape).asLongStream().toArray()));
        }

        files.put(Bundle.classEntry(entryClass), EntryClassGenerator.generate(entryClass(entryClass, inputs, outputs)));
        files.put(folder + Bundle.SOURCE, program.source().getBytes(StandardCharsets.UTF_8));
        files.put(folder + Bundle.WEIGHTS, SafeTensors.of(tensors, Map.of("model", g.name())).toBytes());
        List<String> schedule = List.of();
        if (model.schedule() != null) {
            schedule = List.of(SchedulePrinter.print(model.tasks(), model.schedule()).split("\n"));
            files.put(folder + Bundle.SCHEDULE_DOT,
                    ScheduleDot.toDot(model.tasks(), model.schedule()).getBytes(StandardCharsets.UTF_8));
        }
        List<Manifest.Binary> bins = new ArrayList<>();
        for (DeviceBinary b : binaries) {
            String entry = folder + Bundle.BINARIES + bins.size() + ".bin";
            files.put(entry, b.binary());
            bins.add(new Manifest.Binary(b.device().name(), b.device().platformName(), b.device().driverVersion(),
                    b.buildOptions(), entry));
        }
        Map<String, String> hashes = new LinkedHashMap<>();
        files.forEach((name, bytes) -> hashes.put(name, Bundle.sha256(bytes)));

        Manifest manifest = new Manifest(Manifest.FORMAT_VERSION, RecurflowVersion.get(), g.name(),
                Program.sha256(GraphPrinter.print(g)), entryClass, model.mode().textName(), seed, model.batch(), model.steps(),
                inputs, outputs, params, CompiledModel.LENGTHS, schedule, ProgramJson.toTree(program, false), bins, hashes);
        byte[] manifestBytes = manifest.toBytes();
        files.put(folder + Bundle.MANIFEST, manifestBytes);
        files.put(folder + Bundle.MANIFEST_SHA256, (Bundle.sha256(manifestBytes) + "\n").getBytes(StandardCharsets.US_ASCII));
        writeZip(jar, files);
        return manifest;
    }

    /** The manifest's inputs of {@code model}: shapes, and how {@code run}'s seeded generator draws each. */
    public static List<Manifest.Input> inputs(CompiledModel model) {
        return inputs(model, new MethodNames());
    }

    private static List<Manifest.Input> inputs(CompiledModel model, MethodNames names) {
        Graph g = model.graph();
        List<Manifest.Input> inputs = new ArrayList<>();
        for (Map.Entry<String, String> f : model.feeds().entrySet()) {
            if (f.getKey().equals(CompiledModel.LENGTHS)) {
                continue;
            }
            Node n = g.node(f.getKey());
            boolean ids = n.dtype() == DType.I32;
            // the ranges RandomFeeds draws inputs from: ids over what their users accept, floats in [-1, 1)
            Manifest.Random random = ids ? new Manifest.Random(0, 0, RandomFeeds.idLimit(g, n)) : new Manifest.Random(-1, 1, 0);
            inputs.add(new Manifest.Input(n.name(), f.getValue(), n.dtype().textName(), n.op() == Op.INPUT,
                    ReferenceInterpreter.feedShape(n, model.batch(), model.steps()), random, names.next("set", n.name())));
        }
        return inputs;
    }

    private static int[] outputShape(CompiledModel model, Node n) {
        int[] shape = n.shape().resolve(model.batch(), model.steps());
        if (!n.isPerStep()) {
            return shape;
        }
        int[] full = new int[shape.length + 1];
        full[0] = model.steps();
        System.arraycopy(shape, 0, full, 1, shape.length);
        return full;
    }

    private static EntryClass entryClass(String name, List<Manifest.Input> inputs, List<Manifest.Output> outputs) {
        List<EntryClass.Setter> setters = new ArrayList<>();
        for (Manifest.Input in : inputs) {
            setters.add(new EntryClass.Setter(in.method(), in.name(), in.perStep(), in.dtype().equals("i32")));
        }
        List<EntryClass.Getter> getters = new ArrayList<>();
        for (Manifest.Output o : outputs) {
            getters.add(new EntryClass.Getter(o.method(), o.name()));
        }
        return new EntryClass(name, setters, getters);
    }

    /** A binary name of a class: dot-separated Java identifiers, none a keyword. */
    static void checkClassName(String name) {
        if (name == null || name.isEmpty() || !SourceVersion.isName(name) || name.startsWith("java.")) {
            throw new IllegalArgumentException("'" + name + "' is not a Java class name (e.g. com.example.MyModel)");
        }
    }

    private static void writeZip(Path jar, Map<String, byte[]> files) {
        try {
            Path parent = jar.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (OutputStream os = Files.newOutputStream(jar); ZipOutputStream zip = new ZipOutputStream(os)) {
                for (String dir : directories(files.keySet())) {
                    ZipEntry e = new ZipEntry(dir);
                    e.setTime(ENTRY_TIME);
                    zip.putNextEntry(e);
                    zip.closeEntry();
                }
                for (Map.Entry<String, byte[]> f : files.entrySet()) {
                    ZipEntry e = new ZipEntry(f.getKey());
                    e.setTime(ENTRY_TIME);
                    zip.putNextEntry(e);
                    zip.write(f.getValue());
                    zip.closeEntry();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write bundle " + jar + ": " + e.getMessage(), e);
        }
    }

    /** Every folder above the entries, parents first (class loaders find resources without them, tools like them). */
    private static Set<String> directories(Set<String> names) {
        Set<String> dirs = new java.util.TreeSet<>();
        for (String n : names) {
            for (int i = n.indexOf('/'); i >= 0; i = n.indexOf('/', i + 1)) {
                dirs.add(n.substring(0, i + 1));
            }
        }
        return dirs;
    }
}
