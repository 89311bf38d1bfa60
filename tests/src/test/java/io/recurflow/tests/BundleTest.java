package io.recurflow.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.codegen.CompiledModel;
import io.recurflow.codegen.Lowering;
import io.recurflow.codegen.Mode;
import io.recurflow.codegen.OpenClModel;
import io.recurflow.codegen.bundle.BundleWriter;
import io.recurflow.interp.RandomFeeds;
import io.recurflow.interp.Tensor;
import io.recurflow.ir.Graph;
import io.recurflow.runtime.bundle.Bundle;
import io.recurflow.runtime.bundle.BundleException;
import io.recurflow.runtime.bundle.BundleHandle;
import io.recurflow.runtime.bundle.BundleMain;
import io.recurflow.runtime.bundle.RecurflowModel;
import io.recurflow.runtime.cl.BuildStats;
import io.recurflow.runtime.cl.Session;
import io.recurflow.samples.ModelZoo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bundles end to end on the device: the same numbers as in-process, in a separate JVM, twice, on two threads. */
class BundleTest {
    static final String MODEL = "lstm:layers=1,hidden=8,input=4";
    static final int B = 2;
    static final int T = 5;

    @TempDir
    Path tmp;

    /** The bundle of {@link #MODEL} with seed-{@code seed} weights, with the device binary when {@code binary}. */
    private Path bundle(String entryClass, long seed, boolean binary) {
        Session s = OpenCl.session();
        CompiledModel m = compiled();
        Map<String, Tensor> w = RandomFeeds.generate(m.graph(), seed, B, T);
        byte[] bin = binary ? s.deviceBinary(m.program(), Session.Options.DEFAULT) : null;
        Path jar = tmp.resolve(entryClass + ".jar");
        BundleWriter.write(jar, m, w, seed, entryClass,
                bin == null ? List.of() : List.of(new BundleWriter.DeviceBinary(s.device(), "", bin)));
        return jar;
    }

    private static CompiledModel compiled() {
        return Lowering.lower(ModelZoo.build(MODEL), Mode.SCHEDULED, B, T);
    }

    /** The entry class of {@code jar}, loaded by a class loader of its own (as a second application would). */
    private static Class<?> entryClass(Path jar, String name) throws Exception {
        URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, BundleTest.class.getClassLoader());
        return Class.forName(name, true, loader);
    }

    private static void feed(RecurflowModel h, Map<String, Tensor> feeds) {
        for (String name : h.inputNames()) {
            h.setInput(name, feeds.get(name).toFloats(), null);
        }
    }

    @Test
    void aBundleGivesTheInProcessOutputs() {
        Path jar = bundle("com.example.Same", 3, true);
        CompiledModel m = compiled();
        Map<String, Tensor> feeds = RandomFeeds.generate(m.graph(), 3, B, T);
        int[] lengths = {5, 2};
        Map<String, Tensor> expected;
        try (OpenClModel in = OpenClModel.load(OpenCl.session(), m, feeds)) {
            expected = in.run(feeds, lengths);
        }
        try (BundleHandle h = Bundle.open(jar).load(null)) {
            feed(h, feeds);
            h.setLengths(lengths);
            h.run();
            for (String out : m.outputs()) {
                assertArrayEquals(expected.get(out).toFloats(), h.output(out), 1e-6f, out);
                assertArrayEquals(expected.get(out).shape(), h.outputShape(out), out);
            }
        }
    }

    @Test
    void aSeparateJvmWithOnlyTheClasspathRunsTheBundle() throws Exception {
        OpenCl.require();
        Path jar = tmp.resolve("model.jar");
        Cli c = Cli.run("compile", MODEL, "--batch", "2", "--max-seq", "5", "--seed", "3", "--class",
                "com.example.MyModel", "-o", jar.toString());
        assertEquals(0, c.exit(), c.toString());
        Cli cp = Cli.run("classpath");
        assertEquals(0, cp.exit(), cp.toString());
        String classpath = cp.out().trim();
        for (String e : classpath.split(java.io.File.pathSeparator)) {
            assertTrue(Path.of(e).isAbsolute() && java.nio.file.Files.exists(Path.of(e)), e);
            assertFalse(e.contains("samples") || e.contains("opencl-codegen") || e.contains("graph-ir")
                    || e.contains("picocli"), "only the runtime and its libraries: " + e);
        }
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                classpath + java.io.File.pathSeparator + jar, "com.example.MyModel", "--seq", "4", "--lengths", "4,2")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("kernels from the bundle's device binary"), out);
        Cli run = Cli.run("run", MODEL, "--mode", "scheduled", "--seed", "3", "--batch", "2", "--seq", "4",
                "--lengths", "4,2");
        assertEquals(0, run.exit(), run.toString());
        double expected = run.checksum();
        double got = new Cli(0, out, "").checksum();
        assertEquals(expected, got, 1e-5 * Math.abs(expected), out);
        assertTrue(out.contains("  y            f32[4, 2, 8]"), out);
    }

    @Test
    void mainMatchesRunAtFullAndShorterLengths() throws Exception {
        Class<?> entry = entryClass(bundle("com.example.Main", 7, true), "com.example.Main");
        for (String[] args : List.of(new String[] {}, new String[] {"--seq", "3"}, new String[] {"--lengths", "5,1"},
                new String[] {"--seq", "2", "--lengths", "1,2"})) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = BundleMain.execute(entry, args, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            String text = out.toString(StandardCharsets.UTF_8);
            assertEquals(0, code, text + err);
            List<String> runArgs = new ArrayList<>(List.of("run", MODEL, "--mode", "scheduled", "--batch", "2", "--seed", "7"));
            int seq = List.of(args).contains("--seq") ? Integer.parseInt(args[List.of(args).indexOf("--seq") + 1]) : 5;
            runArgs.addAll(List.of("--seq", Integer.toString(seq)));
            if (List.of(args).contains("--lengths")) {
                runArgs.addAll(List.of("--lengths", args[List.of(args).indexOf("--lengths") + 1]));
            }
            Cli run = Cli.run(runArgs.toArray(new String[0]));
            double expected = run.checksum();
            assertEquals(expected, new Cli(0, text, "").checksum(), 1e-5 * Math.abs(expected), String.join(" ", args));
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(1, BundleMain.execute(entry, new String[] {"--seq", "6"}, System.out,
                new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--seq 6 is outside [1, 5]"), err.toString());
        assertEquals(2, BundleMain.execute(entry, new String[] {"--sed", "1"}, System.out,
                new PrintStream(err, true, StandardCharsets.UTF_8)));
    }

    @Test
    void loadedTwiceAndRunOnTwoThreadsAtOnce() throws Exception {
        Path jar = bundle("com.example.Twice", 3, true);
        Class<?> entry = entryClass(jar, "com.example.Twice");
        Graph g = ModelZoo.build(MODEL);
        Map<String, Tensor> w = RandomFeeds.generate(g, 3, B, T);
        CompiledModel m = compiled();
        List<Map<String, Tensor>> feeds = new ArrayList<>();
        List<Map<String, Tensor>> expected = new ArrayList<>();
        try (OpenClModel in = OpenClModel.load(OpenCl.session(), m, w)) {
            for (long seed : new long[] {11, 12}) {
                Map<String, Tensor> f = RandomFeeds.generate(g, seed, B, T);
                feeds.add(f);
                expected.add(in.run(f, null));
            }
        }
        RecurflowModel a = (RecurflowModel) entry.getMethod("load").invoke(null);
        RecurflowModel b = (RecurflowModel) entry.getMethod("load", String.class).invoke(null, (String) null);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> done = new ArrayList<>();
            RecurflowModel[] handles = {a, b};
            for (int k = 0; k < 2; k++) {
                int which = k;
                done.add(pool.submit(() -> {
                    for (int rep = 0; rep < 20; rep++) {
                        feed(handles[which], feeds.get(which));
                        handles[which].run();
                        for (String out : m.outputs()) {
                            assertArrayEquals(expected.get(which).get(out).toFloats(), handles[which].output(out), 1e-6f,
                                    "handle " + which + " run " + rep + " " + out);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
            a.close();
            b.close();
        }
        Object typed = entry.getMethod("load").invoke(null);
        try {
            entry.getMethod("setX", float[].class, int[].class).invoke(typed, feeds.get(0).get("x").toFloats(), null);
            entry.getMethod("setH0", float[].class).invoke(typed, feeds.get(0).get("h0").toFloats());
            entry.getMethod("setC0", float[].class).invoke(typed, feeds.get(0).get("c0").toFloats());
            entry.getMethod("run").invoke(typed);
            assertArrayEquals(expected.get(0).get("h_n").toFloats(), (float[]) entry.getMethod("getH_n").invoke(typed), 1e-6f);
        } finally {
            ((RecurflowModel) typed).close();
        }
    }

    @Test
    void withAMatchingBinaryNothingIsCompiledFromSource() {
        Path jar = bundle("com.example.Binary", 3, true);
        Bundle b = Bundle.open(jar);
        Session.clearBinaryCache();
        BuildStats before = Session.buildStats();
        try (BundleHandle h = b.load(null)) {
            BuildStats after = Session.buildStats();
            assertEquals(before.compiled(), after.compiled(), "compiled from source");
            assertEquals(before.binaryHits() + 1, after.binaryHits());
            assertTrue(h.fromBinary());
        }
    }

    @Test
    void withoutABinaryForTheDeviceItBuildsFromSourceAndSaysSoOnce() {
        Path jar = bundle("com.example.NoBinary", 3, false);
        Bundle b = Bundle.open(jar);
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Session.clearBinaryCache();
        BuildStats before = Session.buildStats();
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            try (BundleHandle h = b.load(null); BundleHandle h2 = b.load(null)) {
                assertFalse(h.fromBinary() || h2.fromBinary());
            }
        } finally {
            System.setErr(old);
        }
        assertEquals(before.compiled() + 1, Session.buildStats().compiled());
        String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("has no device binary for") && text.contains("Building its kernels from source"), text);
        assertEquals(1, text.split("Building its kernels", -1).length - 1, "said once: " + text);
    }

    @Test
    void inputsOfTheWrongLengthOrBatchNameTheInputAndBothShapes() {
        try (BundleHandle h = Bundle.open(bundle("com.example.Bad", 3, true)).load(null)) {
            BundleException e = assertThrows(BundleException.class, () -> h.setInput("x", new float[30], null));
            assertTrue(e.getMessage().contains("input 'x' has 30 values, which is not [T', 2, 4]")
                    && e.getMessage().contains("the bundle's shape is [5, 2, 4]"), e.getMessage());
            e = assertThrows(BundleException.class, () -> h.setInput("x", new float[48], null));
            assertTrue(e.getMessage().contains("[5, 2, 4]"), e.getMessage());
            e = assertThrows(BundleException.class, () -> h.setInput("h0", new float[8], null));
            assertTrue(e.getMessage().contains("input 'h0' has 8 values; the bundle's shape is [1, 2, 8] (16 values)"),
                    e.getMessage());
            e = assertThrows(BundleException.class, () -> h.setInput("x", new float[40], new int[] {5, 5, 5}));
            assertTrue(e.getMessage().contains("3 lengths for a batch of 2") && e.getMessage().contains("x f32[5, 2, 4]"),
                    e.getMessage());
            e = assertThrows(BundleException.class, () -> h.setInput("q", new float[1], null));
            assertTrue(e.getMessage().contains("no input 'q' (inputs: x, h0, c0)"), e.getMessage());
            h.setInput("x", new float[40], null);
            e = assertThrows(BundleException.class, h::run);
            assertTrue(e.getMessage().contains("input 'h0' f32[1, 2, 8] has not been set"), e.getMessage());
        }
    }
}
