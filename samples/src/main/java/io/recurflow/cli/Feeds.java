package io.recurflow.cli;

import io.recurflow.interp.RandomFeeds;
import io.recurflow.interp.ReferenceInterpreter;
import io.recurflow.interp.Tensor;
import io.recurflow.ir.DType;
import io.recurflow.ir.Graph;
import io.recurflow.ir.Node;
import io.recurflow.ir.Op;
import io.recurflow.runtime.safetensors.HostTensor;
import io.recurflow.runtime.safetensors.SafeTensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a run is fed: weights and inputs from safetensors files where given, seeded random
 * values otherwise, and the batch size, sequence length and per-sequence lengths they imply.
 */
record Feeds(Map<String, Tensor> values, int batch, int steps, int[] lengths) {

    /**
     * Works out the run's shape from the options and the files, and fills every feed of {@code g}.
     * Every parameter comes from {@code weights} when given, every input from {@code inputs} when
     * given; a missing or misshapen entry is an error naming it and both shapes. The inputs file may
     * carry the lengths as an integer tensor called {@code lengths}.
     */
    static Feeds prepare(Graph g, Integer batchOpt, Integer seqOpt, long seed, int[] lengthsOpt, Path weights,
                         Path inputs) {
        SafeTensors inFile = inputs == null ? null : SafeTensors.read(inputs);
        SafeTensors wFile = weights == null ? null : SafeTensors.read(weights);
        int fileSteps = -1;
        int fileBatch = -1;
        if (inFile != null) {
            for (Node n : g.nodesOf(Op.INPUT)) {
                HostTensor t = inFile.tensors().get(n.name());
                if (t != null && t.rank() >= 2) {
                    fileSteps = (int) t.dim(0);
                    fileBatch = (int) t.dim(1);
                    break;
                }
            }
        }
        int[] lengths = lengthsOpt;
        String lengthsFrom = "--lengths";
        if (lengths == null && inFile != null && inFile.contains("lengths")) {
            lengths = Arrays.stream(inFile.get("lengths").toLongArray()).mapToInt(Math::toIntExact).toArray();
            lengthsFrom = "'lengths' of " + inputs;
        }
        int batch = pick("batch", batchOpt, lengths == null ? -1 : lengths.length, lengthsFrom, fileBatch, inputs, 1);
        int steps = pick("sequence length", seqOpt, -1, lengthsFrom, fileSteps, inputs,
                lengths == null ? 10 : Arrays.stream(lengths).max().orElse(10));
        if (lengths == null) {
            lengths = new int[batch];
            Arrays.fill(lengths, steps);
        }
        if (lengths.length != batch) {
            throw new UserException(lengthsFrom + " gives " + lengths.length + " lengths for a batch of " + batch);
        }
        for (int len : lengths) {
            if (len < 1 || len > steps) {
                throw new UserException(lengthsFrom + " has length " + len + "; each must be in [1, " + steps + "]");
            }
        }
        // feeds that come from the files are not drawn at random (large weights would cost time and memory)
        java.util.Set<String> fromFiles = new java.util.HashSet<>();
        for (Node n : g.feeds().values()) {
            if ((n.op() == Op.PARAM ? wFile : inFile) != null) {
                fromFiles.add(n.name());
            }
        }
        Map<String, Tensor> values = new LinkedHashMap<>(RandomFeeds.generate(g, seed, batch, steps, fromFiles));
        for (Node n : g.feeds().values()) {
            SafeTensors file = n.op() == Op.PARAM ? wFile : inFile;
            if (file == null) {
                continue;
            }
            int[] expected = ReferenceInterpreter.feedShape(n, batch, steps);
            HostTensor t = file.tensors().get(n.name());
            String what = n.op() == Op.PARAM ? "parameter" : "input";
            if (t == null) {
                throw new UserException(file.source() + " has no " + what + " '" + n.name() + "' (the model needs "
                        + n.dtype().textName() + Arrays.toString(expected) + ")");
            }
            if (!Arrays.equals(t.intShape(), expected)) {
                throw new UserException(what + " '" + n.name() + "' in " + file.source() + " has shape "
                        + Arrays.toString(t.intShape()) + ", the model needs " + Arrays.toString(expected));
            }
            values.put(n.name(), new Tensor(expected, n.dtype() == DType.I32 ? asDoubles(t.toLongArray())
                    : t.toDoubleArray()));
        }
        return new Feeds(values, batch, steps, lengths);
    }

    private static double[] asDoubles(long[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    /** The option's value, checked against what the lengths and the inputs file say; else theirs; else the default. */
    private static int pick(String what, Integer option, int fromLengths, String lengthsFrom, int fromFile, Path file,
                            int dflt) {
        int chosen = option != null ? option : fromLengths > 0 ? fromLengths : fromFile > 0 ? fromFile : dflt;
        if (chosen < 1) {
            throw new UserException(what + " must be at least 1, got " + chosen);
        }
        if (fromLengths > 0 && fromLengths != chosen) {
            throw new UserException(what + " is " + chosen + " but " + lengthsFrom + " gives " + fromLengths + " lengths");
        }
        if (fromFile > 0 && fromFile != chosen) {
            throw new UserException(what + " is " + chosen + " but the inputs in " + file + " have " + fromFile);
        }
        return chosen;
    }

    /** The outputs as F32 safetensors entries, in output order. */
    static List<HostTensor> toHost(Map<String, Tensor> outputs) {
        List<HostTensor> r = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : outputs.entrySet()) {
            long[] shape = Arrays.stream(e.getValue().shape()).asLongStream().toArray();
            r.add(HostTensor.f32(e.getKey(), e.getValue().toFloats(), shape));
        }
        return r;
    }

    /** The float64 sum of every element of every output: the {@code checksum=} of every mode. */
    static double checksum(Map<String, Tensor> outputs) {
        double s = 0;
        for (Tensor t : outputs.values()) {
            for (double v : t.data()) {
                s += v;
            }
        }
        return s;
    }
}
