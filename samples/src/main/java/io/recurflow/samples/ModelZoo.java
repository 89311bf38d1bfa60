package io.recurflow.samples;

import io.recurflow.dsl.GraphBuilder;
import io.recurflow.dsl.Value;
import io.recurflow.ir.Dim;
import io.recurflow.ir.Graph;
import io.recurflow.ir.Shape;
import io.recurflow.layers.Cell;
import io.recurflow.layers.Cells;
import io.recurflow.layers.Layers;
import io.recurflow.layers.RecurrentLayers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The sample models, named on the command line as {@code NAME[:key=value,…]}: {@code mlp},
 * {@code rnn}, {@code lstm}, {@code gru}, each with {@code layers=}, {@code hidden=}, {@code input=},
 * and for the recurrent ones {@code bidirectional=} and {@code init=} (whether h0/c0 are inputs).
 *
 * <p>The recurrent samples are PyTorch's nn.RNN/nn.LSTM/nn.GRU with their names: input {@code x}
 * [B, input] per step; static inputs {@code h0} (and {@code c0}) [layers · directions, B, hidden];
 * outputs {@code y} [B, directions · hidden] per step and {@code h_n} (and {@code c_n}).
 */
public final class ModelZoo {
    private ModelZoo() {
    }

    /** The sample names. */
    public static final List<String> NAMES = List.of("mlp", "rnn", "lstm", "gru");

    private static final Set<String> MLP_KEYS = Set.of("layers", "hidden", "input");
    private static final Set<String> RNN_KEYS = Set.of("layers", "hidden", "input", "bidirectional", "init");

    /** True when {@code spec} names a sample rather than a file. */
    public static boolean isSample(String spec) {
        return NAMES.contains(spec.split(":", 2)[0]);
    }

    /** Builds the sample described by {@code spec}, e.g. {@code lstm:layers=2,hidden=256,bidirectional=true}. */
    public static Graph build(String spec) {
        String[] parts = spec.split(":", 2);
        String name = parts[0];
        Map<String, String> opts = options(spec, parts.length > 1 ? parts[1] : "");
        if (name.equals("mlp")) {
            checkKeys(spec, opts, MLP_KEYS);
            return mlp(intOpt(spec, opts, "layers", 2), intOpt(spec, opts, "hidden", 64), intOpt(spec, opts, "input", 32));
        }
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("unknown model '" + name + "': samples are " + String.join(", ", NAMES)
                    + ", or give the path of a graph text file");
        }
        checkKeys(spec, opts, RNN_KEYS);
        return recurrent(Cells.named(name), intOpt(spec, opts, "layers", 1), intOpt(spec, opts, "hidden", 32),
                intOpt(spec, opts, "input", 16), boolOpt(spec, opts, "bidirectional", false),
                boolOpt(spec, opts, "init", true));
    }

    /** A per-step multilayer perceptron: {@code layers} dense layers with ReLU between them. */
    public static Graph mlp(int layers, int hidden, int input) {
        GraphBuilder g = new GraphBuilder("mlp");
        Value h = g.input("x", input);
        int in = input;
        for (int i = 0; i < layers; i++) {
            Value d = Layers.dense(g, "fc" + i, h, in, hidden);
            h = i + 1 < layers ? g.relu(d) : d;
            in = hidden;
        }
        g.output("y", h);
        return g.build();
    }

    /** A stacked, optionally bidirectional recurrent network of {@code cell}, named after PyTorch's. */
    public static Graph recurrent(Cell cell, int layers, int hidden, int input, boolean bidirectional,
                                  boolean initialStates) {
        GraphBuilder g = new GraphBuilder(cell.kind());
        Value x = g.input("x", input);
        int slots = layers * (bidirectional ? 2 : 1);
        List<Value> init = null;
        if (initialStates) {
            init = new ArrayList<>();
            for (String s : cell.states()) {
                init.add(g.staticInput(s + "0", Shape.of(Dim.of(slots), Dim.B, Dim.of(hidden))));
            }
        }
        RecurrentLayers.Result r = RecurrentLayers.stack(g, cell, x, input, hidden, layers, bidirectional, init);
        g.output("y", r.output());
        for (int s = 0; s < cell.states().size(); s++) {
            g.output(cell.states().get(s) + "_n", r.finalStates().get(s));
        }
        return g.build();
    }

    private static Map<String, String> options(String spec, String text) {
        Map<String, String> opts = new LinkedHashMap<>();
        if (text.isBlank()) {
            return opts;
        }
        for (String kv : text.split(",")) {
            String[] p = kv.split("=", 2);
            if (p.length != 2 || p[0].isBlank()) {
                throw new IllegalArgumentException("model '" + spec + "': expected key=value, got '" + kv + "'");
            }
            opts.put(p[0].trim(), p[1].trim());
        }
        return opts;
    }

    private static void checkKeys(String spec, Map<String, String> opts, Set<String> allowed) {
        for (String k : opts.keySet()) {
            if (!allowed.contains(k)) {
                throw new IllegalArgumentException("model '" + spec + "': unknown option '" + k + "' (options: "
                        + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
        }
    }

    private static int intOpt(String spec, Map<String, String> opts, String key, int dflt) {
        String v = opts.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            int i = Integer.parseInt(v);
            if (i < 1) {
                throw new NumberFormatException();
            }
            return i;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("model '" + spec + "': " + key + " must be a whole number >= 1, got '"
                    + v + "'");
        }
    }

    private static boolean boolOpt(String spec, Map<String, String> opts, String key, boolean dflt) {
        String v = opts.get(key);
        if (v == null) {
            return dflt;
        }
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException("model '" + spec + "': " + key + " must be true or false, got '" + v + "'");
        }
        return Boolean.parseBoolean(v);
    }
}
