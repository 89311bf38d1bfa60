package io.recurflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.runtime.safetensors.SafeTensors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `train char-lm`, `generate` and `bench --train` as a user runs them. */
class TrainCommandTest {
    @TempDir
    Path tmp;

    /** A few hundred short sentences over a dozen words. */
    private Path text() throws IOException {
        String[] words = "the cat sat on a mat and dog ran far".split(" ");
        Random r = new Random(1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            int n = 2 + r.nextInt(5);
            for (int w = 0; w < n; w++) {
                sb.append(words[r.nextInt(words.length)]).append(w + 1 < n ? " " : "");
            }
            sb.append(i % 5 == 4 ? ".\n" : ". ");
        }
        Path f = tmp.resolve("text.txt");
        Files.writeString(f, sb.toString());
        return f;
    }

    private static final String[] SMALL = {"--hidden", "8", "--layers", "1", "--batch", "4", "--seq", "8",
        "--log-every", "2", "--eval-every", "4", "--schedule", "constant"};

    private static String[] args(String[] head, String... tail) {
        List<String> all = new ArrayList<>(List.of(head));
        all.addAll(List.of(SMALL));
        all.addAll(List.of(tail));
        return all.toArray(new String[0]);
    }

    @Test
    void trainWritesMetricsLogCheckpointsAndCurveThenGenerateSamples() throws IOException {
        OpenCl.require();
        Path out = tmp.resolve("run");
        Cli r = Cli.run(args(new String[] {"train", "char-lm", "--data", text().toString()}, "--steps", "8",
                "--strategy", "splice", "--out", out.toString()));
        assertEquals(0, r.exit(), r.toString());
        List<String> metrics = Files.readAllLines(out.resolve("metrics.csv"));
        assertEquals("step,loss,tokens_per_s,val_bpc", metrics.get(0));
        assertEquals(5, metrics.size(), metrics.toString());
        assertTrue(metrics.get(1).matches("2,[0-9.]+,[0-9.]+,"), metrics.get(1));
        assertTrue(metrics.get(2).matches("4,[0-9.]+,[0-9.]+,[0-9.]+"), metrics.get(2));
        String log = Files.readString(out.resolve("train.log"));
        assertTrue(log.contains("step 8/8") && log.contains("bits/char"), log);
        assertTrue(r.err().contains("step 8/8"), r.err());
        assertTrue(Files.readString(out.resolve("loss.svg")).contains("bits per character"));
        SafeTensors ck = SafeTensors.read(out.resolve("latest.safetensors"));
        assertEquals("8", ck.metadata().get("step"));
        assertTrue(ck.contains("weight_ih_l0") && ck.contains("embedding.weight") && ck.contains("decoder.bias")
                && ck.contains("weight_ih_l0.m") && ck.contains("state.h"), ck.names().toString());
        assertTrue(Files.exists(out.resolve("best.safetensors")));

        Cli g = Cli.run("generate", "--checkpoint", out.resolve("latest.safetensors").toString(), "--length", "30",
                "--prime", "the ", "--seed", "4");
        assertEquals(0, g.exit(), g.toString());
        assertTrue(g.out().startsWith("the "), g.out());
        assertEquals(34, g.out().length() - 1, g.out());
        assertEquals(g.out(), Cli.run("generate", "--checkpoint", out.resolve("latest.safetensors").toString(),
                "--length", "30", "--prime", "the ", "--seed", "4").out());
        Cli bad = Cli.run("generate", "--checkpoint", out.resolve("latest.safetensors").toString(), "--prime", "xyz");
        assertEquals(1, bad.exit(), bad.toString());
        assertTrue(bad.err().contains("'x'") && bad.err().contains("vocabulary"), bad.err());
    }

    @Test
    void badDataIsOneLineNamingTheFile() throws IOException {
        Path missing = tmp.resolve("missing.txt");
        Path binary = tmp.resolve("binary.bin");
        Files.write(binary, new byte[] {'a', 0, 'b'});
        Path latin1 = tmp.resolve("latin1.txt");
        Files.write(latin1, "caf\u00e9 au lait".getBytes(StandardCharsets.ISO_8859_1));
        Path empty = tmp.resolve("empty.txt");
        Files.write(empty, new byte[0]);
        for (Path p : List.of(missing, binary, latin1, empty)) {
            Cli r = Cli.run("train", "char-lm", "--data", p.toString(), "--out", tmp.resolve("o").toString());
            assertEquals(1, r.exit(), r.toString());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().startsWith("error: data file " + p), r.err());
        }
        Cli r = Cli.run(args(new String[] {"train", "char-lm", "--data", text().toString()}, "--strategy", "tbptt",
                "--out", tmp.resolve("o").toString()));
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("tbptt:32"), r.err());
        Cli mode = Cli.run(args(new String[] {"train", "char-lm", "--data", text().toString()}, "--mode", "turbo",
                "--out", tmp.resolve("o2").toString()));
        assertEquals(2, mode.exit(), mode.toString());
        assertTrue(mode.err().contains("'turbo'"), mode.err());
    }

    @Test
    void aDivergingRunStopsAtTheStepAndKeepsTheLastFiniteCheckpoint() throws IOException {
        OpenCl.require();
        Path out = tmp.resolve("nan");
        Cli r = Cli.run(args(new String[] {"train", "char-lm", "--data", text().toString()}, "--optimizer", "sgd",
                "--momentum", "0", "--clip", "0", "--lr", "1e38", "--steps", "50", "--checkpoint-every", "1",
                "--out", out.toString()));
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("training diverged at step "), r.err());
        SafeTensors ck = SafeTensors.read(out.resolve("latest.safetensors"));
        for (String name : ck.names()) {
            for (float v : ck.get(name).toFloatArray()) {
                assertTrue(Float.isFinite(v), name);
            }
        }
        long step = Long.parseLong(ck.metadata().get("step"));
        assertTrue(r.err().contains("(step " + step + ") is kept"), r.err());
    }

    @Test
    void benchTrainComparesStrategiesWithTheirPaddedFraction() throws IOException {
        OpenCl.require();
        Cli r = Cli.run("bench", "char-lm", "--train", "--data", text().toString(), "--batch", "4", "--seq", "8",
                "--hidden", "8", "--runs", "3", "--warmup", "1", "--strategies", "pad,bucket,tbptt:8,splice",
                "--modes", "reference,batched");
        assertEquals(0, r.exit(), r.toString());
        Map<String, Double> padded = new LinkedHashMap<>();
        for (String line : r.out().split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 7 && f[5].endsWith("%") && !f[0].equals("mode")) {
                padded.put(f[0] + " " + f[1], Double.parseDouble(f[5].replace("%", "")));
                assertTrue(Double.parseDouble(f[2]) > 0, line);
            }
        }
        assertEquals(List.of("reference pad", "reference bucket", "reference tbptt:8", "reference splice", "batched pad",
                "batched bucket", "batched tbptt:8", "batched splice"), List.copyOf(padded.keySet()), r.out());
        assertTrue(padded.get("reference bucket") < padded.get("reference pad"), r.out());
        assertEquals(0.0, padded.get("batched tbptt:8"), r.out());
        assertEquals(padded.get("reference pad"), padded.get("batched pad"), r.out());
    }

    /**
     * A real SIGINT (Ctrl-C) to a training process: it saves a checkpoint; --resume continues from it.
     * The child trains on the reference engine: the stop-and-save path is the same for every engine, and
     * a signal that lands while PoCL compiles a kernel in the child made that compile fail once under
     * load, which is not what this test is about.
     */
    @Test
    void sigintSavesACheckpointAndResumeContinues() throws Exception {
        OpenCl.require();
        Path out = tmp.resolve("sigint");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.recurflow.cli.Main"));
        cmd.addAll(List.of(args(new String[] {"train", "char-lm", "--data", text().toString()}, "--steps", "100000",
                "--checkpoint-every", "100000", "--mode", "reference", "--out", out.toString())));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("child.log").toFile()).start();
        Path metrics = out.resolve("metrics.csv");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(Files.exists(metrics) && Files.readAllLines(metrics).size() >= 2)) {
            assertTrue(p.isAlive(), () -> "training ended early: " + read(tmp.resolve("child.log")));
            assertTrue(System.nanoTime() < deadline, "no metrics row within 60 s");
            Thread.sleep(50);
        }
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start();
        assertEquals(0, kill.waitFor());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the process did not end after SIGINT");
        String log = read(tmp.resolve("child.log"));
        assertTrue(log.contains("interrupted at step"), log);
        SafeTensors ck = SafeTensors.read(out.resolve("latest.safetensors"));
        long step = Long.parseLong(ck.metadata().get("step"));
        assertTrue(step >= 2 && step < 100000, "step " + step);

        Cli r = Cli.run("train", "char-lm", "--resume", out.toString(), "--steps", Long.toString(step + 4));
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.err().contains("resuming at step " + step), r.err());
        assertEquals(Long.toString(step + 4), SafeTensors.read(out.resolve("latest.safetensors")).metadata().get("step"));
        List<String> rows = Files.readAllLines(metrics);
        long last = Long.parseLong(rows.get(rows.size() - 1).split(",")[0]);
        assertEquals(step + 4, last);
        for (int i = 2; i < rows.size(); i++) {
            assertTrue(Long.parseLong(rows.get(i).split(",")[0]) > Long.parseLong(rows.get(i - 1).split(",")[0]), rows.toString());
        }
    }

    /** Stopping and resuming on the device changes nothing: 2 + 2 steps end bit for bit where 4 steps do. */
    @Test
    void resumeOnTheDeviceContinuesBitForBit() throws IOException {
        OpenCl.require();
        Path once = tmp.resolve("once");
        Path twice = tmp.resolve("twice");
        String[] head = {"train", "char-lm", "--data", text().toString()};
        assertEquals(0, Cli.run(args(head, "--mode", "batched", "--strategy", "tbptt:8", "--steps", "4",
                "--out", once.toString())).exit());
        assertEquals(0, Cli.run(args(head, "--mode", "batched", "--strategy", "tbptt:8", "--steps", "2",
                "--out", twice.toString())).exit());
        Cli r = Cli.run("train", "char-lm", "--resume", twice.toString(), "--steps", "4");
        assertEquals(0, r.exit(), r.toString());
        SafeTensors a = SafeTensors.read(once.resolve("latest.safetensors"));
        SafeTensors b = SafeTensors.read(twice.resolve("latest.safetensors"));
        assertEquals(a.names(), b.names());
        for (String name : a.names()) {
            assertTrue(java.util.Arrays.equals(a.get(name).floats(), b.get(name).floats()), name);
        }
        assertEquals("4", b.metadata().get("step"));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
