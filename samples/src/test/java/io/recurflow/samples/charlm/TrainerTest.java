package io.recurflow.samples.charlm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.interp.Tensor;
import io.recurflow.runtime.safetensors.HostTensor;
import io.recurflow.runtime.safetensors.SafeTensors;
import io.recurflow.train.ReferenceStepEngine;
import io.recurflow.train.StepEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
    @TempDir
    Path tmp;

    private static TrainConfig config(String strategy, long steps, int checkpointEvery) {
        return new TrainConfig("", 8, 1, 2, 8, steps, strategy, "adam", 0.02, 0.9, 5, "constant", 1000,
                checkpointEvery, 5, 3, 0);
    }

    private static ReferenceStepEngine engine(TrainConfig cfg, Corpus corpus) {
        CharLm.Config m = new CharLm.Config(corpus.vocab().size(), cfg.hidden(), cfg.layers());
        return new ReferenceStepEngine(CharLm.build(m, cfg.parsedStrategy().variant()), cfg.optimizerSpec(),
                CharLm.initialParameters(m, cfg.seed()));
    }

    @Test
    void aTinyModelOverfitsATinyText() {
        Corpus corpus = Corpus.of("tiny", "abcab abcab abcab abcab abcab abcab abcab abcab abcab abcab abcab abcab "
                + "abcab abcab abcab abcab abcab abcab abcab abcab");
        TrainConfig cfg = new TrainConfig("", 8, 1, 2, 8, 200, "tbptt:8", "adam", 0.05, 0.9, 5, "constant", 100,
                1000, 50, 3, 0);
        try (ReferenceStepEngine e = engine(cfg, corpus)) {
            Trainer.Outcome o = new Trainer(cfg, corpus, e, tmp.resolve("run"), Progress.SILENT, null).run(() -> false);
            // the text is periodic: after the first characters every next one is certain; ln 4 ≈ 1.39 at the start
            assertTrue(o.lastLoss() < 0.15, "mean loss " + o.lastLoss());
            assertTrue(o.bestValBpc() < 0.5, "val bpc " + o.bestValBpc());
        }
    }

    /** Save, load, one step: bit for bit the step taken without the round trip. */
    @Test
    void checkpointRoundTripThenOneStepIsBitForBit() {
        Corpus corpus = Corpus.of("tiny", TinyText.sentences(40, 11));
        for (String strategy : List.of("tbptt:5", "splice", "bucket")) {
            TrainConfig first = config(strategy, 3, 1);
            Path dir = tmp.resolve(strategy.replace(':', '_'));
            try (ReferenceStepEngine a = engine(first, corpus)) {
                new Trainer(first, corpus, a, dir, Progress.SILENT, null).run(() -> false);
                Checkpoint ck = Checkpoint.read(dir.resolve(Trainer.LATEST));
                assertEquals(3, ck.step());
                assertEquals(strategy.equals("bucket"), ck.carried().isEmpty(), strategy);
                // continue the same engine by one step ...
                TrainConfig more = first.withBudget(4, 0);
                new Trainer(more, corpus, a, dir, Progress.SILENT, ck).run(() -> false);
                // ... and a fresh engine from the checkpoint by one step
                try (ReferenceStepEngine b = engine(first, corpus)) {
                    Path other = tmp.resolve(strategy.replace(':', '_') + "_copy");
                    new Trainer(more, corpus, b, other, Progress.SILENT, ck).run(() -> false);
                    assertEquals(4, b.steps());
                    for (Map.Entry<String, Tensor> p : a.parameters().entrySet()) {
                        assertArrayEquals(p.getValue().data(), b.parameters().get(p.getKey()).data(), p.getKey());
                    }
                    for (Map.Entry<String, Tensor> s : a.optimizerState().entrySet()) {
                        assertArrayEquals(s.getValue().data(), b.optimizerState().get(s.getKey()).data(), s.getKey());
                    }
                }
            }
        }
    }

    @Test
    void aResumedRunKeepsItsMetricsUpToTheCheckpoint() throws IOException {
        Corpus corpus = Corpus.of("tiny", TinyText.sentences(40, 12));
        TrainConfig cfg = config("pad", 10, 5);
        Path dir = tmp.resolve("run");
        try (StepEngine e = engine(cfg, corpus)) {
            new Trainer(cfg, corpus, e, dir, Progress.SILENT, null).run(() -> false);
        }
        Checkpoint ck = Checkpoint.read(dir.resolve(Trainer.LATEST));
        assertEquals(10, ck.step());
        try (StepEngine e = engine(cfg, corpus)) {
            new Trainer(cfg.withBudget(20, 0), corpus, e, dir, Progress.SILENT, ck).run(() -> false);
        }
        List<String> lines = Files.readAllLines(dir.resolve("metrics.csv"));
        assertEquals(Metrics.HEADER, lines.get(0));
        assertEquals(List.of("5", "10", "15", "20"), lines.subList(1, lines.size()).stream()
                .map(l -> l.split(",")[0]).toList());
        assertFalse(lines.get(4).endsWith(","), "the last step is validated: " + lines.get(4));
        assertTrue(lines.get(1).endsWith(","), "no validation at step 5: " + lines.get(1));
        String svg = Files.readString(dir.resolve("loss.svg"));
        assertTrue(svg.contains("<polyline") && svg.contains(">step<") && svg.contains("bits per character"), svg);
    }

    @Test
    void aStopRequestEndsTheRunWithACheckpoint() {
        Corpus corpus = Corpus.of("tiny", TinyText.sentences(40, 13));
        TrainConfig cfg = config("splice", 100, 1000);
        int[] calls = {0};
        try (StepEngine e = engine(cfg, corpus)) {
            Trainer.Outcome o = new Trainer(cfg, corpus, e, tmp, Progress.SILENT, null).run(() -> ++calls[0] > 4);
            assertTrue(o.interrupted());
            assertEquals(4, o.step());
        }
        assertEquals(4, Checkpoint.read(tmp.resolve(Trainer.LATEST)).step());
    }

    @Test
    void aCheckpointThatDoesNotFitTheModelNamesTheFirstMismatch() {
        Corpus corpus = Corpus.of("tiny", TinyText.sentences(40, 14));
        TrainConfig cfg = config("pad", 1, 1);
        try (StepEngine e = engine(cfg, corpus)) {
            new Trainer(cfg, corpus, e, tmp, Progress.SILENT, null).run(() -> false);
        }
        SafeTensors st = SafeTensors.read(tmp.resolve(Trainer.LATEST));
        List<HostTensor> changed = new ArrayList<>();
        for (HostTensor t : st.tensors().values()) {
            changed.add(t.name().equals("weight_hh_l0") ? HostTensor.f32(t.name(), new float[32 * 4], 32, 4) : t);
        }
        Path bad = tmp.resolve("bad.safetensors");
        SafeTensors.write(bad, changed, new LinkedHashMap<>(st.metadata()));
        CharLmException e = assertThrows(CharLmException.class, () -> Checkpoint.read(bad));
        assertTrue(e.getMessage().contains("weight_hh_l0 has shape [32, 4], the model needs [32, 8]"), e.getMessage());

        changed.removeIf(t -> t.name().equals("weight_hh_l0"));
        SafeTensors.write(bad, changed, new LinkedHashMap<>(st.metadata()));
        e = assertThrows(CharLmException.class, () -> Checkpoint.read(bad));
        assertTrue(e.getMessage().contains("no tensor weight_hh_l0"), e.getMessage());
    }
}
