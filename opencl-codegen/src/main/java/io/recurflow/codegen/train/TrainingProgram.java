package io.recurflow.codegen.train;

import io.recurflow.codegen.CompiledModel;
import io.recurflow.runtime.program.Arg;
import io.recurflow.runtime.program.BufferSpec;
import io.recurflow.runtime.program.Instr;
import io.recurflow.runtime.program.KernelSpec;
import io.recurflow.runtime.program.Program;
import io.recurflow.train.OptimizerSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the lowered gradient graph into a training program: one run is forward, backward and the
 * optimizer update, with the parameters and the optimizer state never leaving the device.
 *
 * <p>What changes against the gradient graph's program:
 * <ul>
 *   <li>The run starts by writing {@value #HYPER} (learning rate and Adam's bias corrections, which
 *       change every step) and by re-running the setup's launches (the packing of weight panels for
 *       the GEMMs): the setup packed the initial weights, the updates change them.</li>
 *   <li>Gradients are no longer read back to the host; only the loss and the graph's other outputs are.</li>
 *   <li>After the last read (everything before is finished on queue 0 by then, in every mode: the
 *       lowering joins all queues into queue 0 before its reads), with clipping: per-chunk sums of
 *       squares of every gradient, one launch that turns them into the global norm and the clip
 *       factor; then one update launch per parameter, in place.</li>
 * </ul>
 * Optimizer state buffers are {@code PARAM} buffers named {@code __train.<param>.m} (and so on, the
 * suffixes of {@link OptimizerSpec#stateSuffixes()}), zero after setup.
 */
final class TrainingProgram {
    /** The host array of per-step hyper-parameters: lr, 1 − β1^t, 1 − β2^t, unused. */
    static final String HYPER = "__train.hyper";
    /** The buffer holding the global gradient norm and the clip factor of the last step. */
    static final String NORM = "__train.norm";
    /** Elements one work-item of the sum-of-squares kernel adds up. */
    private static final int CHUNK = 4096;

    /** The training program and where things are in it. */
    record Built(CompiledModel model, Map<String, String> paramBuffers, Map<String, String> stateBuffers) {
    }

    private TrainingProgram() {
    }

    /**
     * @param grad    the lowered gradient graph: outputs {@code loss}, {@code grad_<p>} per parameter, others
     * @param params  the parameters, in the order of their gradient outputs
     */
    static Built build(CompiledModel grad, List<String> params, OptimizerSpec spec) {
        Program p = grad.program();
        List<BufferSpec> buffers = new ArrayList<>(p.buffers());
        List<KernelSpec> kernels = new ArrayList<>(p.kernels());
        int first = kernels.size();
        kernels.add(new KernelSpec(first, "rf_train_sq_partial",
                List.of(Arg.Kind.BUFFER, Arg.Kind.INT, Arg.Kind.INT, Arg.Kind.BUFFER, Arg.Kind.INT)));
        kernels.add(new KernelSpec(first + 1, "rf_train_clip",
                List.of(Arg.Kind.BUFFER, Arg.Kind.INT, Arg.Kind.FLOAT, Arg.Kind.BUFFER)));
        kernels.add(new KernelSpec(first + 2, "rf_train_sgd", List.of(Arg.Kind.BUFFER, Arg.Kind.BUFFER,
                Arg.Kind.BUFFER, Arg.Kind.BUFFER, Arg.Kind.BUFFER, Arg.Kind.FLOAT, Arg.Kind.INT)));
        kernels.add(new KernelSpec(first + 3, "rf_train_adam", List.of(Arg.Kind.BUFFER, Arg.Kind.BUFFER,
                Arg.Kind.BUFFER, Arg.Kind.BUFFER, Arg.Kind.BUFFER, Arg.Kind.BUFFER, Arg.Kind.FLOAT, Arg.Kind.FLOAT,
                Arg.Kind.FLOAT, Arg.Kind.INT)));

        Map<String, Integer> byHost = new LinkedHashMap<>();
        for (Instr i : p.setup()) {
            if (i instanceof Instr.Write) {
                byHost.put(((Instr.Write) i).host(), ((Instr.Write) i).buffer());
            }
        }
        Map<String, Integer> gradBuffers = new LinkedHashMap<>();
        List<Instr> reads = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        List<Instr> body = new ArrayList<>();
        for (Instr i : p.run()) {
            if (i instanceof Instr.Read && params.stream().anyMatch(
                    q -> ((Instr.Read) i).host().equals(io.recurflow.passes.Autodiff.gradientName(q)))) {
                gradBuffers.put(((Instr.Read) i).host(), ((Instr.Read) i).buffer());
            } else if (i instanceof Instr.Read) {
                reads.add(i);
                outputs.add(((Instr.Read) i).host());
            } else {
                body.add(i);
            }
        }

        List<Instr> setup = new ArrayList<>(p.setup());
        int hyper = add(buffers, HYPER, 16, BufferSpec.Role.INPUT);
        int norm = add(buffers, NORM, 8, BufferSpec.Role.OUTPUT);
        List<Instr> run = new ArrayList<>();
        run.add(new Instr.Write(hyper, HYPER, 0));
        for (Instr i : p.setup()) {
            if (i instanceof Instr.Launch) {
                Instr.Launch l = (Instr.Launch) i;
                run.add(new Instr.Launch(l.kernel(), l.args(), l.global(), l.local(), 0, List.of(), -1,
                        "repack after the update: " + l.label()));
            }
        }
        run.addAll(body);
        run.addAll(reads);

        Map<String, String> paramBuffers = new LinkedHashMap<>();
        Map<String, String> stateBuffers = new LinkedHashMap<>();
        Map<String, Integer> stateIds = new LinkedHashMap<>();
        List<Integer> grads = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        for (String q : params) {
            String host = grad.params().get(q);
            Integer buf = host == null ? null : byHost.get(host);
            Integer g = gradBuffers.get(io.recurflow.passes.Autodiff.gradientName(q));
            if (buf == null || g == null) {
                throw new IllegalStateException("parameter %" + q + " has no " + (buf == null ? "buffer" : "gradient")
                        + " in program " + p.name());
            }
            paramBuffers.put(q, p.buffer(buf).name());
            grads.add(g);
            sizes.add((int) (p.buffer(buf).bytes() / 4));
            for (String suffix : spec.stateSuffixes()) {
                String name = "__train." + q + suffix;
                int id = add(buffers, name, p.buffer(buf).bytes(), BufferSpec.Role.PARAM);
                setup.add(new Instr.Fill(id, 0f, 0));
                stateBuffers.put(q + suffix, name);
                stateIds.put(q + suffix, id);
            }
        }

        if (spec.clipNorm() > 0) {
            int chunks = 0;
            for (int n : sizes) {
                chunks += (n + CHUNK - 1) / CHUNK;
            }
            int partial = add(buffers, "__train.partial_norms", 4L * chunks, BufferSpec.Role.TEMP);
            int at = 0;
            for (int k = 0; k < params.size(); k++) {
                int n = sizes.get(k);
                int c = (n + CHUNK - 1) / CHUNK;
                run.add(launch(first, List.of(new Arg.Buffer(grads.get(k)), new Arg.Int(n), new Arg.Int(CHUNK),
                        new Arg.Buffer(partial), new Arg.Int(at)), c, "sum of squares of grad " + params.get(k)));
                at += c;
            }
            run.add(launch(first + 1, List.of(new Arg.Buffer(partial), new Arg.Int(chunks),
                    new Arg.Float((float) spec.clipNorm()), new Arg.Buffer(norm)), 1, "global norm and clip factor"));
        } else {
            setup.add(new Instr.Fill(norm, 1f, 0));
        }
        for (int k = 0; k < params.size(); k++) {
            String q = params.get(k);
            int pb = byHost.get(grad.params().get(q));
            int n = sizes.get(k);
            List<Arg> args = new ArrayList<>(List.of(new Arg.Buffer(pb), new Arg.Buffer(grads.get(k))));
            if (spec.kind() == OptimizerSpec.Kind.ADAM) {
                args.add(new Arg.Buffer(stateIds.get(q + ".m")));
                args.add(new Arg.Buffer(stateIds.get(q + ".v")));
                args.add(new Arg.Buffer(hyper));
                args.add(new Arg.Buffer(norm));
                args.add(new Arg.Float((float) spec.beta1()));
                args.add(new Arg.Float((float) spec.beta2()));
                args.add(new Arg.Float((float) spec.eps()));
                args.add(new Arg.Int(n));
                run.add(launch(first + 3, args, n, "adam update of " + q));
            } else {
                // without momentum the kernel never touches its buffer argument: pass the gradient again
                args.add(new Arg.Buffer(spec.momentum() > 0 ? stateIds.get(q + ".momentum") : grads.get(k)));
                args.add(new Arg.Buffer(hyper));
                args.add(new Arg.Buffer(norm));
                args.add(new Arg.Float((float) spec.momentum()));
                args.add(new Arg.Int(n));
                run.add(launch(first + 2, args, n, "sgd update of " + q));
            }
        }
        Program train = new Program(p.name() + "-train", p.source() + "\n" + SOURCE, buffers, kernels, setup, run,
                p.queues());
        CompiledModel model = new CompiledModel(grad.graph(), grad.mode(), grad.batch(), grad.steps(), train,
                grad.feeds(), grad.params(), outputs, grad.predictedUs(), grad.tasks(), grad.schedule(), grad.notes(),
                List.of());
        return new Built(model, paramBuffers, stateBuffers);
    }

    private static int add(List<BufferSpec> buffers, String name, long bytes, BufferSpec.Role role) {
        int id = buffers.size();
        buffers.add(new BufferSpec(id, name, bytes, role));
        return id;
    }

    private static Instr.Launch launch(int kernel, List<Arg> args, long items, String label) {
        return new Instr.Launch(kernel, args, new long[] {items}, null, 0, List.of(), -1, label);
    }

    /**
     * The optimizer's kernels. {@code norm} holds the global gradient norm and the factor every
     * gradient is multiplied by (1 without clipping); {@code hyper} the learning rate and Adam's bias
     * corrections 1 − β1^t and 1 − β2^t of this step.
     */
    static final String SOURCE = """
            __kernel void rf_train_sq_partial(__global const float* g, const int n, const int chunk,
                                              __global float* partial, const int at) {
                const int i = get_global_id(0);
                const int lo = i * chunk;
                const int hi = min(n, lo + chunk);
                /* sixteen running sums in one vector: a chain of scalar additions would wait on each other */
                float16 s16 = (float16)(0.0f);
                int j = lo;
                for (; j + 16 <= hi; j += 16) {
                    const float16 v = vload16(0, g + j);
                    s16 += v * v;
                }
                const float8 s8 = s16.lo + s16.hi;
                const float4 s4 = s8.lo + s8.hi;
                float s = s4.x + s4.y + s4.z + s4.w;
                for (; j < hi; j++) {
                    s += g[j] * g[j];
                }
                partial[at + i] = s;
            }

            __kernel void rf_train_clip(__global const float* partial, const int count, const float clip,
                                        __global float* norm) {
                float s = 0.0f;
                for (int i = 0; i < count; i++) {
                    s += partial[i];
                }
                const float total = sqrt(s);
                norm[0] = total;
                norm[1] = fmin(1.0f, clip / (total + 1e-6f));
            }

            __kernel void rf_train_sgd(__global float* p, __global const float* g, __global float* buf,
                                       __global const float* hyper, __global const float* norm,
                                       const float momentum, const int n) {
                const int i = get_global_id(0);
                if (i >= n) {
                    return;
                }
                float d = g[i] * norm[1];
                if (momentum > 0.0f) {
                    d = momentum * buf[i] + d;
                    buf[i] = d;
                }
                p[i] -= hyper[0] * d;
            }

            __kernel void rf_train_adam(__global float* p, __global const float* g, __global float* m,
                                        __global float* v, __global const float* hyper,
                                        __global const float* norm, const float beta1, const float beta2,
                                        const float eps, const int n) {
                const int i = get_global_id(0);
                if (i >= n) {
                    return;
                }
                const float d = g[i] * norm[1];
                const float mi = beta1 * m[i] + (1.0f - beta1) * d;
                const float vi = beta2 * v[i] + (1.0f - beta2) * d * d;
                m[i] = mi;
                v[i] = vi;
                p[i] -= hyper[0] * (mi / hyper[1]) / (sqrt(vi / hyper[2]) + eps);
            }
            """;
}
