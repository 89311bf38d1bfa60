package io.recurflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.recurflow.runtime.safetensors.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands as a user types them: outputs, exit codes and error messages. */
class CommandLineTest {
    @TempDir
    Path tmp;

    @Test
    void analyzeJsonListsComponentsWithKindNodesAndInFlight() throws IOException {
        Cli r = Cli.run("analyze", "lstm:layers=2,hidden=16,bidirectional=true", "--json");
        assertEquals(0, r.exit(), r.toString());
        assertEquals("", r.err());
        JsonNode comps = new ObjectMapper().readTree(r.out()).get("components");
        long forward = 0;
        long reverse = 0;
        for (JsonNode c : comps) {
            String kind = c.get("kind").asText();
            assertTrue(kind.equals("batched") || kind.equals("recurrent-forward") || kind.equals("recurrent-reverse"));
            assertTrue(c.get("nodes").isArray() && c.get("nodes").size() > 0);
            assertEquals(kind.equals("batched") ? 0 : 1, c.get("inFlight").asInt());
            forward += kind.equals("recurrent-forward") ? 1 : 0;
            reverse += kind.equals("recurrent-reverse") ? 1 : 0;
        }
        assertEquals(2, forward);
        assertEquals(2, reverse);
    }

    @Test
    void benchScheduleRunsJmhAndPrintsEveryStage() throws IOException {
        Path json = tmp.resolve("jmh.json");
        Cli r = Cli.run("bench", "schedule", "--model", "lstm:layers=1,hidden=8,input=4,bidirectional=true", "--seq",
                "5", "--batch", "2", "--forks", "0", "--warmup", "0", "--iterations", "1", "--time", "20", "--quiet",
                "--json", json.toString());
        assertEquals(0, r.exit(), r.toString());
        for (String stage : List.of("SCC analysis", "task graph", "list scheduling, K=2", "list scheduling, auto",
                "verification", "all four", "Lowering.lower, scheduled, queues overlap",
                "Lowering.lower, scheduled, serial device")) {
            assertTrue(r.out().contains("  " + stage), stage + " missing:\n" + r);
        }
        assertTrue(r.out().matches("(?s).*\\nscheduling \\(.*\\): median [0-9.]+ ms, (NOT )?under the 50 ms target\\n"),
                r.out());
        assertTrue(Files.readString(json).contains("\"io.recurflow.bench.SchedulingBenchmark.pipeline\""));
    }

    @Test
    void benchTimesTheModesAndReportsPredictionsAndTheMeasuredQueueOverlap() throws IOException {
        OpenCl.session();
        Path json = tmp.resolve("bench.json");
        Cli r = Cli.run("bench", "lstm:hidden=8,input=4,bidirectional=true", "--modes", "naive,batched,scheduled",
                "--batch", "2", "--seq", "5", "--runs", "2", "--warmup", "1", "--queues", "2", "--json", json.toString());
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("measured queue overlap (a profiled run;"), r.out());
        assertTrue(r.out().contains("(2 queues)"), r.out());
        assertTrue(r.out().contains("speed-up scheduled over naive:"), r.out());
        JsonNode results = new ObjectMapper().readTree(json.toFile()).get("results");
        assertEquals(3, results.size());
        for (JsonNode m : results) {
            assertTrue(m.get("median_ms").asDouble() > 0, m.toString());
            assertTrue(m.get("launches").asInt() > 0, m.toString());
            assertTrue(m.get("predicted_ms").asDouble() > 0, m.toString());
            double overlap = m.get("queue_overlap").asDouble();
            assertTrue(overlap >= 0 && overlap <= 1, m.toString());
            assertEquals(2, m.get("runs").size(), m.toString());
            // each timed run came right after one of its own engine, which came after another mode's
            assertEquals(2, m.get("after_other_runs").size(), m.toString());
            assertTrue(m.get("after_other_median_ms").asDouble() > 0, m.toString());
        }
        assertTrue(r.out().contains("after other ms"), r.out());
    }

    /** With one program, there is no other to switch from: the first run of each pair is no figure of its own. */
    @Test
    void benchOfOneModeHasNoRunsAfterAnother() throws IOException {
        OpenCl.session();
        Path json = tmp.resolve("one.json");
        Cli r = Cli.run("bench", "mlp", "--modes", "batched", "--batch", "2", "--seq", "3", "--runs", "2", "--warmup",
                "1", "--json", json.toString());
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("- (one program)"), r.out());
        JsonNode m = new ObjectMapper().readTree(json.toFile()).get("results").get(0);
        assertTrue(m.get("after_other_median_ms").isNull(), m.toString());
        assertTrue(m.get("after_other_runs").isNull(), m.toString());
        assertEquals(2, m.get("runs").size(), m.toString());
    }

    /**
     * The scheduler's choice for an MLP is the batched program itself: bench times it once for both modes
     * and says so, while two different programs (naive) and a mode listed twice keep engines of their own.
     */
    @Test
    void benchTimesAProgramThatTwoModesShareOnce() throws IOException {
        OpenCl.session();
        Path json = tmp.resolve("same.json");
        Cli r = Cli.run("bench", "mlp", "--modes", "naive,batched,scheduled,scheduled", "--batch", "2", "--seq", "3",
                "--runs", "3", "--warmup", "1", "--json", json.toString());
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("scheduled compiled to the same program as batched (the same kernels and launches):"
                + " timed once, for both"), r.out());
        JsonNode results = new ObjectMapper().readTree(json.toFile()).get("results");
        assertTrue(results.get(0).get("same_program_as").isNull(), results.toString());
        assertTrue(results.get(1).get("same_program_as").isNull(), results.toString());
        assertEquals("batched", results.get(2).get("same_program_as").asText(), results.toString());
        assertEquals(results.get(1).get("runs"), results.get(2).get("runs"));
        // the second 'scheduled' is the same program too, but was asked for as an engine of its own
        assertTrue(results.get(3).get("same_program_as").isNull(), results.toString());
        assertTrue(!results.get(0).get("runs").equals(results.get(1).get("runs")), results.toString());
    }

    @Test
    void benchScheduleRejectsAnUnknownModelInOneLine() {
        Cli r = Cli.run("bench", "schedule", "--model", "no-such-model", "--forks", "0");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().startsWith("error: unknown model 'no-such-model'"), r.err());
    }

    @Test
    void analyzePlansAtTheGivenBatchWithTheDevicesCalibratedModel() throws IOException {
        OpenCl.session();
        Cli r = Cli.run("analyze", "lstm:layers=2,hidden=16,input=8", "--seq", "12", "--batch", "4", "--device", "0",
                "--json");
        assertEquals(0, r.exit(), r.toString());
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertEquals(4, root.get("batch").asInt());
        assertTrue(root.get("cost_model").asText().startsWith("calibrated cost model of "), r.out());
        for (String mode : List.of("naive", "batched", "scheduled")) {
            assertTrue(root.get("launches").get(mode).asInt() > 0, mode);
            assertTrue(root.get("predicted_ms").get(mode).asDouble() > 0, mode);
        }
        Cli builtIn = Cli.run("analyze", "lstm:layers=2,hidden=16,input=8", "--seq", "12");
        assertTrue(builtIn.out().contains("predicted ms per run at B=1 (built-in cost model)"), builtIn.toString());
        Cli bad = Cli.run("analyze", "lstm", "--batch", "3", "--streams", "2");
        assertEquals(1, bad.exit(), bad.toString());
        assertTrue(bad.err().contains("--batch must be a positive multiple of --streams (2), got 3"), bad.toString());
    }

    @Test
    void analyzeTextShowsRecurrentComponents() {
        Cli r = Cli.run("analyze", "gru:hidden=8");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("recurrent-forward") && r.out().contains("in-flight 1"), r.out());
    }

    @Test
    void dotWritesClustersAndDashedDelayedEdges() throws IOException {
        Path dot = tmp.resolve("g.dot");
        Cli r = Cli.run("dot", "rnn:hidden=4,bidirectional=true", "-o", dot.toString());
        assertEquals(0, r.exit(), r.toString());
        String text = Files.readString(dot);
        assertTrue(text.contains("subgraph cluster_"), text);
        assertTrue(text.contains("dashed"), text);
        assertTrue(text.contains("t-1") && text.contains("t+1"), text);
    }

    @Test
    void runIsDeterministicPerSeedAndDumpsEveryOutput() {
        Path dump = tmp.resolve("out.safetensors");
        Cli a = Cli.run("run", "lstm:hidden=8,input=4", "--batch", "3", "--seq", "6", "--lengths", "6,3,1",
                "--seed", "5", "--dump", dump.toString());
        Cli b = Cli.run("run", "lstm:hidden=8,input=4", "--batch", "3", "--seq", "6", "--lengths", "6,3,1",
                "--seed", "5");
        Cli c = Cli.run("run", "lstm:hidden=8,input=4", "--batch", "3", "--seq", "6", "--lengths", "6,3,1",
                "--seed", "6");
        assertEquals(0, a.exit(), a.toString());
        assertEquals(a.checksum(), b.checksum());
        assertTrue(a.checksum() != c.checksum());
        assertTrue(a.out().matches("(?s).*\\n  y +f32\\[6, 3, 8\\]\\n.*"), a.out());
        SafeTensors d = SafeTensors.read(dump);
        assertEquals(java.util.List.of("y", "h_n", "c_n"), d.names());
        double sum = 0;
        for (String n : d.names()) {
            for (float v : d.get(n).toFloatArray()) {
                sum += v;
            }
        }
        assertEquals(a.checksum(), sum, 1e-6 * Math.max(1, Math.abs(sum)));
    }

    @Test
    void runsAGraphTextFile() throws IOException {
        Path f = tmp.resolve("cumsum.rfg");
        Files.writeString(f, "graph cumsum {\n  %x = input() : f32[B, 1] @t\n  %h = add(%x, %h[t-1]) : f32[B, 1] @t\n  outputs %h\n}\n");
        Path inputs = tmp.resolve("x.safetensors");
        SafeTensors.write(inputs, java.util.List.of(io.recurflow.runtime.safetensors.HostTensor.f32("x",
                new float[] {1, 2, 3, 4}, 4, 1, 1)), java.util.Map.of());
        Cli r = Cli.run("run", f.toString(), "--inputs", inputs.toString());
        assertEquals(0, r.exit(), r.toString());
        assertEquals(1 + 3 + 6 + 10, r.checksum(), 1e-9);
    }

    @Test
    void userErrorsExitOneWithOneLineAndNoStackTrace() throws IOException {
        Cli unknown = Cli.run("analyze", "transformer");
        assertEquals(1, unknown.exit());
        assertEquals("error: unknown model 'transformer': not a sample (mlp, rnn, lstm, gru) and no file of that name\n",
                unknown.err());

        Path bad = tmp.resolve("bad.rfg");
        Files.writeString(bad, "graph g {\n  %x = input() : f32[B, 4] @t\n  %h = tanh(%y)\n  outputs %h\n}\n");
        Cli parse = Cli.run("analyze", bad.toString());
        assertEquals(1, parse.exit());
        assertTrue(parse.err().startsWith("error: " + bad + ":3:"), parse.err());
        assertTrue(parse.err().contains("%y"), parse.err());
        assertFalse(parse.err().contains("\tat "), parse.err());

        Path cyc = tmp.resolve("cycle.rfg");
        Files.writeString(cyc, "graph g {\n  %x = input() : f32[B, 4] @t\n  %a = add(%x, %b)\n  %b = tanh(%a) : f32[B, 4] @t\n"
                + "  outputs %b\n}\n");
        Cli cycle = Cli.run("analyze", cyc.toString());
        assertEquals(1, cycle.exit());
        assertTrue(cycle.err().contains("instant cycle") && cycle.err().contains("%a"), cycle.err());

        Cli lengths = Cli.run("run", "rnn", "--batch", "2", "--lengths", "3,4,5");
        assertEquals(1, lengths.exit());
        assertTrue(lengths.err().contains("3 lengths"), lengths.err());

        Cli option = Cli.run("run", "lstm:hidden=8,dropout=0.5");
        assertEquals(1, option.exit());
        assertTrue(option.err().contains("unknown option 'dropout'"), option.err());
    }

    @Test
    void wrongWeightShapeNamesTheParameterAndBothShapes() throws IOException {
        Path w = tmp.resolve("w.safetensors");
        SafeTensors.write(w, java.util.List.of(io.recurflow.runtime.safetensors.HostTensor.f32("fc0.weight",
                new float[6], 2, 3)), java.util.Map.of());
        Cli r = Cli.run("run", "mlp:layers=1,hidden=4,input=3", "--weights", w.toString());
        assertEquals(1, r.exit());
        assertEquals("error: parameter 'fc0.weight' in " + w + " has shape [2, 3], the model needs [4, 3]\n", r.err());
    }

    @Test
    void scheduledRunWritesItsMeasuredTimelineAndSchedulePicture() throws IOException {
        OpenCl.session();
        Path trace = tmp.resolve("t.json");
        Path svg = tmp.resolve("t.svg");
        Cli r = Cli.run("run", "lstm:hidden=8,input=4,bidirectional=true", "--mode", "scheduled", "--seq", "5",
                "--batch", "2", "--lengths", "5,2", "--check", "--trace", trace.toString(), "--timeline", svg.toString());
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("queue overlap") && r.out().contains("max_rel_err"), r.out());
        JsonNode events = new ObjectMapper().readTree(trace.toFile()).get("traceEvents");
        long launches = 0;
        for (JsonNode e : events) {
            if (e.get("ph").asText().equals("X")) {
                launches++;
                assertTrue(e.get("dur").asDouble() >= 0 && e.has("tid"), e.toString());
                // the cost model's price of the launch beside its measured time, and when the host queued it
                assertTrue(e.get("args").get("predicted_us").asDouble() > 0, e.toString());
                assertTrue(e.get("args").get("queued_us").asDouble() <= e.get("ts").asDouble(), e.toString());
            }
        }
        assertTrue(Files.readString(svg).contains("predicted"), "the SVG's launch titles name the prediction");
        assertTrue(r.out().contains("launches " + launches + ";"), r.out() + " vs " + launches + " trace events");
        assertTrue(Files.readString(svg).startsWith("<svg"));

        Path dot = tmp.resolve("s.dot");
        Cli d = Cli.run("dot", "lstm:hidden=8,input=4,bidirectional=true", "--what", "schedule", "--seq", "4",
                "--queues", "2", "-o", dot.toString());
        assertEquals(0, d.exit(), d.toString());
        String text = Files.readString(dot);
        assertTrue(text.contains("digraph") && text.contains("cluster"), text);
    }

    @Test
    void gradcheckPassesForABidirectionalLstmWithUnequalLengths() {
        Cli r = Cli.run("gradcheck", "lstm:hidden=4,input=3,bidirectional=true", "--lengths", "4,2,1",
                "--mode", "reference");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("weight_hh_l0_reverse") && r.out().contains("h0"), r.out());
        double worst = Double.parseDouble(r.out().replaceAll("(?s).*worst=([0-9.eE+-]+).*", "$1"));
        assertTrue(worst < 1e-3, r.out());
    }

    @Test
    void gradcheckComputesTheGradientsInEveryMode() {
        OpenCl.session();
        Cli r = Cli.run("gradcheck", "gru:hidden=4,input=3", "--lengths", "4,2,1");
        assertEquals(0, r.exit(), r.toString());
        for (String mode : List.of("reference", "naive", "batched", "scheduled")) {
            String section = r.out().replaceAll("(?s).*\\n" + mode + ":\\n(.*?)\\n  worst=([0-9.eE+-]+).*", "$2");
            assertTrue(Double.parseDouble(section) < 1e-3, mode + ":\n" + r.out());
        }
        assertTrue(r.out().contains("weight_hh_l0") && r.out().contains("h0"), r.out());
        assertFalse(r.out().contains("no kernels"), r.out());
    }

    @Test
    void gradcheckInOneModeExitsOneWhenAGradientIsNotFinite() throws IOException {
        OpenCl.session();
        // the log of inputs uniform in ±1: NaN wherever an input is negative, which no tolerance accepts
        Path f = tmp.resolve("log.rfg");
        Files.writeString(f, "graph g {\n  %x = input() : f32[B, 3] @t\n  %y = log(%x) : f32[B, 3] @t\n  outputs %y\n}\n");
        Cli r = Cli.run("gradcheck", f.toString(), "--mode", "batched", "--lengths", "3,2");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.out().contains("batched:") && !r.out().contains("naive:"), r.out());
        assertTrue(r.out().contains("worst=NaN"), r.out());
    }

    /** {@code --show} only: a plain {@code calibrate} would replace this machine's cached constants. */
    @Test
    void calibrateShowsTheCostModelsConstantsAndNamesAnUnknownDevice() {
        OpenCl.session();
        Cli r = Cli.run("calibrate", "--show");
        assertEquals(0, r.exit(), r.toString());
        for (String what : List.of("launch overhead", "GEMM ", "1 rows", "2048 rows", "one work-group", "host transfers",
                "overlap")) {
            assertTrue(r.out().contains(what), what + " in\n" + r);
        }
        Cli bad = Cli.run("calibrate", "--device", "no-such-device");
        assertEquals(1, bad.exit(), bad.toString());
        assertTrue(bad.err().contains("no-such-device") && !bad.err().contains("\tat "), bad.toString());
    }

    @Test
    void debugShowsTheStackTrace() {
        Cli r = Cli.run("--debug", "analyze", "nosuchmodel");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("\tat "), r.err());
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(2, Cli.run("run").exit());
        assertEquals(2, Cli.run("run", "rnn", "--mode", "warp").exit());
        assertEquals(2, Cli.run("frobnicate").exit());
    }
}
