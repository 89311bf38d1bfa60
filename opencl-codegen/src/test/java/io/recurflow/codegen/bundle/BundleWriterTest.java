package io.recurflow.codegen.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.codegen.CompiledModel;
import io.recurflow.codegen.LaunchCountTest;
import io.recurflow.codegen.Lowering;
import io.recurflow.codegen.Mode;
import io.recurflow.interp.RandomFeeds;
import io.recurflow.interp.Tensor;
import io.recurflow.ir.Graph;
import io.recurflow.runtime.bundle.Bundle;
import io.recurflow.runtime.bundle.BundleException;
import io.recurflow.runtime.bundle.Manifest;
import io.recurflow.runtime.program.ProgramPrinter;
import io.recurflow.runtime.safetensors.HostTensor;
import io.recurflow.runtime.safetensors.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writing a bundle and opening it again, and every way a bundle can be refused before it runs (no device needed). */
public class BundleWriterTest {
    @TempDir
    Path tmp;

    /** A one-layer LSTM, input 8, hidden 16, with initial states h0 and c0. */
    public static Graph lstm() {
        return LaunchCountTest.lstm(1, false, true);
    }

    /** Seed-1 random weights of {@code m}'s parameters. */
    public static Map<String, Tensor> weights(CompiledModel m) {
        return RandomFeeds.generate(m.graph(), 1, m.batch(), m.steps());
    }

    private Path write(String name) {
        CompiledModel m = Lowering.lower(lstm(), Mode.SCHEDULED, 2, 5);
        Path jar = tmp.resolve(name);
        BundleWriter.write(jar, m, weights(m), "com.example.Lstm", List.of());
        return jar;
    }

    @Test
    void whatIsWrittenIsReadBack() {
        CompiledModel m = Lowering.lower(lstm(), Mode.SCHEDULED, 2, 5);
        Path jar = tmp.resolve("a.jar");
        BundleWriter.write(jar, m, weights(m), "com.example.Lstm", List.of());
        Bundle b = Bundle.open(jar);
        Manifest man = b.manifest();
        assertEquals(Manifest.FORMAT_VERSION, man.formatVersion());
        assertEquals("com.example.Lstm", man.entryClass());
        assertEquals("scheduled", man.mode());
        assertEquals(List.of("x", "h0", "c0"), man.inputs().stream().map(Manifest.Input::name).toList());
        assertEquals(List.of("setX", "setH0", "setC0"), man.inputs().stream().map(Manifest.Input::method).toList());
        assertArrayEquals(new int[] {5, 2, 8}, man.inputs().get(0).shape());
        assertArrayEquals(new int[] {1, 2, 16}, man.inputs().get(1).shape());
        assertEquals(List.of("getY", "getH_n", "getC_n"), man.outputs().stream().map(Manifest.Output::method).toList());
        assertArrayEquals(new int[] {5, 2, 16}, man.outputs().get(0).shape());
        assertTrue(!man.schedule().isEmpty() && man.schedule().get(0).length() > 0);
        assertEquals(ProgramPrinter.print(m.program()), ProgramPrinter.print(b.program()));
        assertEquals(m.program().source(), b.program().source());
        assertEquals(List.of("com/example/Lstm.class", "com/example/Lstm.bundle/kernels.cl",
                "com/example/Lstm.bundle/weights.safetensors", "com/example/Lstm.bundle/schedule.dot"),
                new ArrayList<>(man.entries().keySet()));
        Tensor w = weights(m).get("weight_hh_l0");
        assertArrayEquals(w.toFloats(), b.weights().get("weight_hh_l0").toFloatArray());
    }

    @Test
    void theSameModelGivesTheSameBytes() throws IOException {
        assertArrayEquals(Files.readAllBytes(write("a.jar")), Files.readAllBytes(write("b.jar")));
    }

    @Test
    void aChangedByteInAnyEntryIsNamed() throws IOException {
        Path jar = write("a.jar");
        for (String name : BundleJars.read(jar).keySet()) {
            Path bad = tmp.resolve("bad.jar");
            BundleJars.corrupt(jar, bad, name);
            BundleException e = assertThrows(BundleException.class, () -> Bundle.open(bad), name);
            String named = name.endsWith(Bundle.MANIFEST_SHA256) ? name.replace(Bundle.MANIFEST_SHA256, Bundle.MANIFEST) : name;
            assertTrue(e.getMessage().contains("entry " + named + " is corrupted"), name + ": " + e.getMessage());
        }
    }

    @Test
    void anUnknownFormatVersionNamesBothVersions() throws IOException {
        Path bad = tmp.resolve("v99.jar");
        BundleJars.rewrite(write("a.jar"), bad, m -> m.put("formatVersion", 99), null, null);
        BundleException e = assertThrows(BundleException.class, () -> Bundle.open(bad));
        assertTrue(e.getMessage().contains("format version 99") && e.getMessage().contains("reads format version "
                + Manifest.FORMAT_VERSION), e.getMessage());
    }

    @Test
    void weightsThatDoNotFitNameTheFirstMismatch() throws IOException {
        Path jar = write("a.jar");
        SafeTensors w = Bundle.open(jar).weights();
        List<HostTensor> changed = new ArrayList<>();
        for (String n : w.names()) {
            HostTensor t = w.get(n);
            changed.add(n.equals("weight_hh_l0") ? HostTensor.f32(n, new float[64 * 8], 64, 8) : t);
        }
        Path bad = tmp.resolve("w.jar");
        BundleJars.rewrite(jar, bad, m -> m, "com/example/Lstm.bundle/weights.safetensors",
                SafeTensors.of(changed).toBytes());
        BundleException e = assertThrows(BundleException.class, () -> Bundle.open(bad));
        assertTrue(e.getMessage().contains("parameter 'weight_hh_l0' has shape [64, 8], the model needs [64, 16]"),
                e.getMessage());
        List<HostTensor> fewer = new ArrayList<>(w.tensors().values());
        fewer.removeIf(t -> t.name().equals("bias_ih_l0"));
        BundleJars.rewrite(jar, bad, m -> m, "com/example/Lstm.bundle/weights.safetensors", SafeTensors.of(fewer).toBytes());
        e = assertThrows(BundleException.class, () -> Bundle.open(bad));
        assertTrue(e.getMessage().contains("no parameter 'bias_ih_l0' (the model needs f32[64])"), e.getMessage());
    }

    @Test
    void aClassNameMustBeAJavaName() {
        CompiledModel m = Lowering.lower(lstm(), Mode.BATCHED, 1, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BundleWriter.write(tmp.resolve("x.jar"), m, weights(m), "com.example.My-Model", List.of()));
        assertTrue(e.getMessage().contains("not a Java class name"), e.getMessage());
    }
}
