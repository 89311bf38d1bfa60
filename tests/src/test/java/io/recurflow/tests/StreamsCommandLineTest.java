package io.recurflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --streams} as a user types it: a checked run, the usage and user errors, and the bench. */
class StreamsCommandLineTest {
    private static final String MODEL = "lstm:layers=2,hidden=8,input=4,bidirectional=true";

    @TempDir
    Path tmp;

    @Test
    void aScheduledRunWithTwoStreamsPassesItsCheckAndKeepsTheChecksum() {
        OpenCl.require();
        Cli one = Cli.run("run", MODEL, "--mode", "scheduled", "--batch", "4", "--seq", "5", "--lengths", "5,2,1,4",
                "--seed", "3", "--queues", "2", "--check");
        Cli two = Cli.run("run", MODEL, "--mode", "scheduled", "--batch", "4", "--seq", "5", "--lengths", "5,2,1,4",
                "--seed", "3", "--queues", "2", "--streams", "2", "--check");
        assertEquals(0, two.exit(), two.toString());
        assertTrue(two.out().contains("2 streams of 2 sequences") && two.out().contains("max_rel_err="), two.out());
        assertEquals(one.checksum(), two.checksum(), 1e-4 * Math.max(1, Math.abs(one.checksum())));
    }

    @Test
    void aStreamCountBelowOneIsAUsageError() {
        Cli r = Cli.run("run", MODEL, "--mode", "scheduled", "--batch", "4", "--streams", "0");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("--streams takes a number of streams (1 or more), got 0"), r.err());
    }

    @Test
    void streamsOutsideTheScheduledModeAreAUsageError() {
        Cli r = Cli.run("run", MODEL, "--mode", "batched", "--batch", "4", "--streams", "2");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("scheduled mode only"), r.err());
    }

    @Test
    void aBatchTheStreamsDoNotDivideIsAUserErrorNamingBoth() {
        OpenCl.require();
        Cli r = Cli.run("run", MODEL, "--mode", "scheduled", "--batch", "3", "--streams", "2");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().startsWith("error: a batch of 3 sequences cannot be split into 2 streams"), r.err());
        Cli b = Cli.run("bench", MODEL, "--streams", "1,2", "--batch", "3", "--seq", "4", "--runs", "1");
        assertEquals(1, b.exit(), b.toString());
        assertTrue(b.err().contains("--streams 2 cannot split a batch of 3"), b.err());
    }

    @Test
    void benchStreamsTimesEachStreamCountAgainstTheBatchedMode() throws IOException {
        OpenCl.require();
        Path json = tmp.resolve("streams.json");
        Cli r = Cli.run("bench", "lstm:hidden=8,input=4", "--streams", "1,2", "--batch", "2", "--seq", "4",
                "--warmup", "0", "--runs", "2", "--queues", "2", "--json", json.toString());
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("scheduled S=2") && r.out().contains("vs batched"), r.out());
        JsonNode results = new ObjectMapper().readTree(json.toFile()).get("results");
        assertEquals(3, results.size());
        assertEquals("batched", results.get(0).get("mode").asText());
        assertEquals(2, results.get(2).get("streams").asInt());
        for (JsonNode m : results) {
            assertEquals(2, m.get("runs").size());
            double median = m.get("median_ms").asDouble();
            assertTrue(median > 0, m.toString());
            assertEquals(2 * 4 / (median / 1e3), m.get("sequence_steps_per_s").asDouble(), 1e-6 * 8e3 / median);
        }
    }

    @Test
    void analyzeNamesTheStreams() {
        Cli r = Cli.run("analyze", MODEL, "--streams", "2", "--seq", "5");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("at B=2") && r.out().contains(", 2 streams"), r.out());
        // one line per recurrence (two layers, two directions) with the cost model's choice for the streams
        assertEquals(4, r.out().lines().filter(l -> l.startsWith("streams: C") && l.contains("predicted")).count(),
                r.out());
    }
}
