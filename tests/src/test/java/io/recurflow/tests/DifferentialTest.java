package io.recurflow.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.codegen.CompiledModel;
import io.recurflow.codegen.LaunchCostModel;
import io.recurflow.codegen.Lowering;
import io.recurflow.codegen.Mode;
import io.recurflow.codegen.OpenClModel;
import io.recurflow.interp.RandomFeeds;
import io.recurflow.interp.ReferenceInterpreter;
import io.recurflow.interp.Tensor;
import io.recurflow.ir.Graph;
import io.recurflow.runtime.cl.Session;
import io.recurflow.samples.ModelZoo;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every sample in every OpenCL mode equals the reference interpreter, with unequal lengths in one batch. */
class DifferentialTest {
    static final double TOLERANCE = 1e-4;

    /** Runs {@code g} in {@code mode} and in the reference interpreter and compares every output. */
    static void assertMatchesReference(Graph g, Mode mode, int[] lengths, int steps, long seed) {
        assertMatchesReference(g, mode, lengths, steps, seed, Lowering.Options.DEFAULT);
    }

    /**
     * Cost models that steer the scheduled mode both ways: the built-in one runs small recurrences as
     * one launch over all steps; one whose device has many compute units runs them step by step.
     */
    static final Lowering.Options ONE_LAUNCH = Lowering.Options.DEFAULT;
    static final Lowering.Options STEP_BY_STEP = new Lowering.Options(0, 4,
            new LaunchCostModel(12, 150, 20, 0.5, 5, 64, true, 16, 0.001, 0.001, 1, 1, "test: many compute units, concurrent queues"));

    /**
     * A cost model under which the batched mode runs every step it can as one launch split over
     * work-groups of four work-items, one group per compute unit (three here), as on a GPU.
     */
    static final Lowering.Options SPLIT_STEPS = new Lowering.Options(0, 4,
            new LaunchCostModel(12, 150, 20, 0.5, 5, 3, false, 4, 1000, 1000, 0, 1, "test: fast groups, three compute units"));

    /**
     * A cost model under which the scheduled mode runs recurrences as kernels looping over chunks of
     * steps on queues that overlap (the wavefront across stacked layers).
     */
    static final Lowering.Options WAVEFRONT = new Lowering.Options(0, 4,
            new LaunchCostModel(5, 150, 20, 0.5, 0, 2, true, 1, 0.5, 1, 1, 1, "test: concurrent queues, long recurrences"));

    /**
     * As {@link #WAVEFRONT} on a device whose queues do not overlap but whose work-groups do: a chunk of
     * one layer shares a launch with the previous chunk of the layer above.
     */
    static final Lowering.Options FUSED_WAVEFRONT = new Lowering.Options(0, 4,
            new LaunchCostModel(5, 150, 20, 0.5, 0, 2, false, 1, 0.5, 1, 0, 1, "test: serial queues, parallel groups"));

    static void assertMatchesReference(Graph g, Mode mode, int[] lengths, int steps, long seed,
                                       Lowering.Options options) {
        Session s = OpenCl.session();
        Map<String, Tensor> feeds = RandomFeeds.generate(g, seed, lengths.length, steps);
        Map<String, Tensor> expected = new ReferenceInterpreter(g).run(feeds, lengths);
        CompiledModel compiled = Lowering.lower(g, mode, lengths.length, steps, options);
        try (OpenClModel m = OpenClModel.load(s, compiled, feeds)) {
            Map<String, Tensor> actual = m.run(feeds, lengths);
            for (Map.Entry<String, Tensor> e : expected.entrySet()) {
                Tensor a = actual.get(e.getKey());
                assertArrayEquals(e.getValue().shape(), a.shape(), e.getKey());
                double err = relativeError(a, e.getValue());
                assertTrue(err <= TOLERANCE, g.name() + " " + mode + " output " + e.getKey() + ": error " + err);
            }
        }
    }

    static double relativeError(Tensor a, Tensor e) {
        double maxErr = 0;
        double maxRef = 0;
        for (int i = 0; i < e.size(); i++) {
            maxErr = Math.max(maxErr, Math.abs(a.data()[i] - e.data()[i]));
            maxRef = Math.max(maxRef, Math.abs(e.data()[i]));
        }
        return maxRef == 0 ? maxErr : maxErr / maxRef;
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = ';', value = {
        "mlp:layers=3,hidden=16,input=8; NAIVE", "mlp:layers=3,hidden=16,input=8; BATCHED",
        "rnn:hidden=12,input=5; NAIVE", "rnn:hidden=12,input=5; BATCHED",
        "lstm:hidden=12,input=5; NAIVE", "lstm:hidden=12,input=5; BATCHED",
        "gru:hidden=12,input=5; NAIVE", "gru:hidden=12,input=5; BATCHED",
        "lstm:layers=2,hidden=8,input=5,init=false; NAIVE", "lstm:layers=2,hidden=8,input=5,init=false; BATCHED",
        "gru:layers=2,hidden=8,input=5,bidirectional=true; NAIVE",
        "gru:layers=2,hidden=8,input=5,bidirectional=true; BATCHED",
        "lstm:layers=2,hidden=8,input=5,bidirectional=true; NAIVE",
        "lstm:layers=2,hidden=8,input=5,bidirectional=true; BATCHED",
        "rnn:layers=2,hidden=6,input=3,bidirectional=true; BATCHED"})
    void sampleMatchesReference(String spec, Mode mode) {
        assertMatchesReference(ModelZoo.build(spec), mode, new int[] {6, 3, 1, 6}, 6, 11);
    }

    /**
     * A small character language model: embedding, an LSTM, a dense layer, softmax, log-softmax and
     * cross-entropy with integer targets and a mask, and the time reductions (sum, last, first, stack).
     */
    static Graph languageModel() {
        io.recurflow.dsl.GraphBuilder g = new io.recurflow.dsl.GraphBuilder("lm");
        io.recurflow.dsl.Value ids = g.inputIds("ids");
        io.recurflow.dsl.Value targets = g.inputIds("targets");
        io.recurflow.dsl.Value mask = g.input("mask", io.recurflow.ir.DType.F32, io.recurflow.ir.Shape.batch(),
                io.recurflow.ir.Node.DEFAULT_AXIS);
        io.recurflow.dsl.Value emb = io.recurflow.layers.Layers.embedding(g, "embed", ids, 11, 6);
        io.recurflow.layers.RecurrentLayers.Result r = io.recurflow.layers.RecurrentLayers.stack(g,
                io.recurflow.layers.Cells.LSTM, emb, 6, 8, 1, false, null);
        io.recurflow.dsl.Value logits = io.recurflow.layers.Layers.dense(g, "out", r.output(), 8, 11);
        g.output("p", g.softmax(logits));
        g.output("logp", g.logSoftmax(logits));
        io.recurflow.dsl.Value ce = g.crossEntropy(logits, targets, mask);
        g.output("ce", ce);
        g.output("ce_sum", g.sumTime(ce));
        g.output("h_last", g.lastStep(r.output()));
        g.output("h_first", g.firstStep(r.output()));
        g.output("h_all", g.stackTime(r.output()));
        return g.build();
    }

    /**
     * The remaining ops and layouts: constants, exp/log/neg/relu/sub, slices and concatenation, a
     * product with B as [K, N], a delayed product in acyclic work, static computations on parameters
     * and on per-sequence static inputs, broadcasting of [B, 1] and [F] operands, select and pack.
     */
    static Graph opsGraph() {
        io.recurflow.dsl.GraphBuilder g = new io.recurflow.dsl.GraphBuilder("ops");
        io.recurflow.dsl.Value x = g.input("x", 6);
        io.recurflow.dsl.Value s = g.staticInput("s", io.recurflow.ir.Shape.of(io.recurflow.ir.Dim.of(2),
                io.recurflow.ir.Dim.B, io.recurflow.ir.Dim.of(6)));
        io.recurflow.dsl.Value w = g.param("w", 6, 4);
        io.recurflow.dsl.Value v = g.param("v", 4, 4);
        io.recurflow.dsl.Value vv = g.matmul(v, v);
        io.recurflow.dsl.Value one = g.constant(1.5, 4);
        io.recurflow.dsl.Value a = g.add(g.matmul(x, w), one);
        io.recurflow.dsl.Value e = g.log(g.add(g.exp(g.neg(a)), one));
        io.recurflow.dsl.Value r = g.relu(g.sub(g.matmulT(e, vv), g.slice(g.select(s, 1), 1, 5)));
        io.recurflow.dsl.Value gate = g.sigmoid(g.slice(x, 0, 1));
        io.recurflow.dsl.Value past = g.matmul(x.delayed(2), w);
        g.output("y", g.concat(g.mul(r, gate), past, g.slice(x, 2, 3)));
        g.output("z", g.tanh(g.add(g.select(s, 0), g.sumTime(x))));
        g.output("packed", g.pack(g.lastStep(e), g.firstStep(a)));
        g.output("vv", vv);
        return g.build();
    }

    /**
     * The scheduled mode runs a recurrence step by step as the batched mode does, one launch split over
     * work-groups where the cost model prefers it: here a device of three compute units with fast
     * one-group products whose kernels that loop over steps cost a second to launch, on 1, 2 and 4 queues.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"rnn:hidden=12,input=5", "lstm:hidden=12,input=5",
        "gru:hidden=12,input=5", "lstm:layers=2,hidden=16,input=5,bidirectional=true"})
    void scheduledStepsTakeTheOneLaunchStepWhereCheaper(String spec) {
        Graph g = ModelZoo.build(spec);
        int[] lengths = {6, 3, 1, 6};
        LaunchCostModel costs = new LaunchCostModel(12, 150, 20, 0.5, 5, 3, true, 4, 1000, 1000, 1, 1, null,
                LaunchCostModel.Host.FREE, 1e6, null, "test: split steps, costly step loops");
        long recurrences = io.recurflow.scc.SccAnalysis.analyze(g).components().stream().filter(c -> c.isRecurrent())
                .count();
        for (int queues : new int[] {1, 2, 4}) {
            Lowering.Options options = new Lowering.Options(queues, 4, costs);
            CompiledModel compiled = Lowering.lower(g, Mode.SCHEDULED, lengths.length, 6, options);
            long split = compiled.program().run().stream()
                    .filter(i -> i instanceof io.recurflow.runtime.program.Instr.Launch l
                            && l.label().contains("step in one launch") && l.global()[0] > l.local()[0])
                    .count();
            assertEquals(6 * recurrences, split, spec + " on " + queues + " queues: a split launch per step\n"
                    + String.join("\n", compiled.notes()));
            assertMatchesReference(g, Mode.SCHEDULED, lengths, 6, 13, options);
        }
    }

    /**
     * The batched mode's two ways to run a step, each checked to be the one taken: a GEMM and fused
     * element-wise kernels (a cost model whose one-group products are slow), and one launch split by
     * columns over work-groups, with one group (the built-in CPU model: sixteen-lane vector loops) and
     * with several groups of several work-items.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"rnn:hidden=12,input=5", "lstm:hidden=12,input=5",
        "gru:hidden=12,input=5", "lstm:layers=2,hidden=16,input=5,bidirectional=true", "gru:layers=2,hidden=32,input=5"})
    void batchedStepsMatchReferenceEveryWay(String spec) {
        Graph g = ModelZoo.build(spec);
        int[] lengths = {6, 3, 1, 6};
        Map<String, Integer> expected = Map.of("staged", 0, "one group", 1, "split", 1);
        Map<String, Lowering.Options> ways = Map.of("staged", STEP_BY_STEP, "one group", Lowering.Options.DEFAULT,
                "split", SPLIT_STEPS);
        for (Map.Entry<String, Lowering.Options> way : ways.entrySet()) {
            CompiledModel compiled = Lowering.lower(g, Mode.BATCHED, lengths.length, 6, way.getValue());
            long splitLaunches = compiled.program().run().stream()
                    .filter(i -> i instanceof io.recurflow.runtime.program.Instr.Launch l
                            && l.label().contains("step in one launch"))
                    .count();
            long recurrences = io.recurflow.scc.SccAnalysis.analyze(g).components().stream()
                    .filter(c -> c.isRecurrent()).count();
            assertEquals(expected.get(way.getKey()) * 6 * recurrences, splitLaunches,
                    spec + " " + way.getKey() + ": launches of whole steps");
            if (way.getKey().equals("split")) {
                assertTrue(compiled.program().run().stream().anyMatch(i -> i instanceof io.recurflow.runtime.program.Instr.Launch l
                        && l.label().contains("step in one launch") && l.global()[0] > l.local()[0]),
                        spec + ": several work-groups per step");
            }
            assertMatchesReference(g, Mode.BATCHED, lengths, 6, 11, way.getValue());
        }
    }

    /**
     * Recurrences in chunks of steps, one kernel per chunk, downstream work starting after each chunk:
     * on queues side by side, and with chunks of neighbouring layers in one launch.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"lstm:layers=3,hidden=16,input=5",
        "gru:layers=3,hidden=16,input=5", "rnn:layers=3,hidden=32,input=3"})
    void chunkedRecurrencesMatchReference(String spec) {
        Graph g = ModelZoo.build(spec);
        int[] lengths = {9, 4, 1, 9};
        CompiledModel compiled = Lowering.lower(g, Mode.SCHEDULED, lengths.length, 9, WAVEFRONT);
        assertTrue(compiled.program().run().stream().anyMatch(i -> i instanceof io.recurflow.runtime.program.Instr.Launch l
                && l.label().matches(".*\\(steps \\d+\\.\\.\\d+ in one launch\\)")),
                spec + ": no chunk of steps in one launch\n" + String.join("\n", compiled.notes()));
        assertMatchesReference(g, Mode.SCHEDULED, lengths, 9, 11, WAVEFRONT);
        CompiledModel fused = Lowering.lower(g, Mode.SCHEDULED, lengths.length, 9, FUSED_WAVEFRONT);
        assertTrue(fused.program().run().stream().anyMatch(i -> i instanceof io.recurflow.runtime.program.Instr.Launch l
                && l.label().contains(" + ") && l.label().contains("(steps, one work-group each)")),
                spec + ": no launch of chunks of two layers\n" + String.join("\n", fused.notes()));
        assertMatchesReference(g, Mode.SCHEDULED, lengths, 9, 11, FUSED_WAVEFRONT);
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(Mode.class)
    void everyOpMatchesReference(Mode mode) {
        assertMatchesReference(opsGraph(), mode, new int[] {5, 3, 1}, 5, 9);
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(Mode.class)
    void languageModelMatchesReference(Mode mode) {
        assertMatchesReference(languageModel(), mode, new int[] {6, 2, 4}, 6, 5);
    }

    /** Every sample on K = 1, 2 and 4 queues, and a few on 3 and on the automatic choice (0). */
    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> samplesOnQueues() {
        java.util.List<String> samples = java.util.List.of("mlp:layers=3,hidden=16,input=8", "rnn:hidden=12,input=5",
                "lstm:hidden=12,input=5", "gru:hidden=12,input=5", "lstm:layers=2,hidden=8,input=5,init=false",
                "gru:layers=2,hidden=8,input=5,bidirectional=true", "lstm:layers=2,hidden=8,input=5,bidirectional=true");
        java.util.List<org.junit.jupiter.params.provider.Arguments> cases = new java.util.ArrayList<>();
        for (String spec : samples) {
            for (int k : new int[] {1, 2, 4}) {
                cases.add(org.junit.jupiter.params.provider.Arguments.of(spec, k));
            }
        }
        cases.add(org.junit.jupiter.params.provider.Arguments.of("gru:layers=2,hidden=8,input=5,bidirectional=true", 3));
        cases.add(org.junit.jupiter.params.provider.Arguments.of("lstm:layers=2,hidden=8,input=5,bidirectional=true", 0));
        cases.add(org.junit.jupiter.params.provider.Arguments.of("rnn:hidden=12,input=5", 0));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} queues={1}")
    @org.junit.jupiter.params.provider.MethodSource("samplesOnQueues")
    void scheduledMatchesReferenceBothWays(String spec, int queues) {
        Graph g = ModelZoo.build(spec);
        int[] lengths = {6, 3, 1, 6};
        assertMatchesReference(g, Mode.SCHEDULED, lengths, 6, 11,
                new Lowering.Options(queues, 4, ONE_LAUNCH.costs()));
        assertMatchesReference(g, Mode.SCHEDULED, lengths, 6, 11,
                new Lowering.Options(queues, 4, STEP_BY_STEP.costs()));
    }
}
