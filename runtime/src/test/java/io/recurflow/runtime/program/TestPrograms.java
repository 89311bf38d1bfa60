package io.recurflow.runtime.program;

import io.recurflow.runtime.program.Arg.Kind;
import io.recurflow.runtime.program.BufferSpec.Role;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Shorthands for writing programs by hand in tests. */
public final class TestPrograms {
    private TestPrograms() {
    }

    /** Two kernels over n floats: {@code vadd(a, b, c, n)}: c = a + b; {@code scale(x, y, s, n)}: y = s·x. */
    public static final String VADD_SCALE = ""
            + "__kernel void vadd(__global const float* a, __global const float* b, __global float* c, int n) {\n"
            + "    int i = get_global_id(0);\n"
            + "    if (i < n) c[i] = a[i] + b[i];\n"
            + "}\n"
            + "__kernel void scale(__global const float* x, __global float* y, float s, int n) {\n"
            + "    int i = get_global_id(0);\n"
            + "    if (i < n) y[i] = s * x[i];\n"
            + "}\n";

    public static final KernelSpec VADD = new KernelSpec(0, "vadd", List.of(Kind.BUFFER, Kind.BUFFER, Kind.BUFFER, Kind.INT));
    public static final KernelSpec SCALE = new KernelSpec(1, "scale", List.of(Kind.BUFFER, Kind.BUFFER, Kind.FLOAT, Kind.INT));

    public static BufferSpec buf(int id, String name, long bytes, Role role) {
        return new BufferSpec(id, name, bytes, role);
    }

    public static Arg b(int id) {
        return new Arg.Buffer(id);
    }

    public static Arg i(int v) {
        return new Arg.Int(v);
    }

    public static Arg f(float v) {
        return new Arg.Float(v);
    }

    public static Instr.Write write(int buffer, String host, int queue) {
        return new Instr.Write(buffer, host, queue);
    }

    public static Instr.Read read(int buffer, String host, int queue) {
        return new Instr.Read(buffer, host, queue);
    }

    public static Instr.Fill fill(int buffer, float value, int queue) {
        return new Instr.Fill(buffer, value, queue);
    }

    /** A 1-D launch with the device's choice of local size. */
    public static Instr.Launch launch(int kernel, List<Arg> args, long global, int queue, List<Integer> waits, int event,
                                      String label) {
        return new Instr.Launch(kernel, args, new long[] {global}, null, queue, waits, event, label);
    }

    /** vadd(b[a], b[bb], b[c], n) on queue q. */
    public static Instr.Launch vadd(int a, int bb, int c, int n, int q, List<Integer> waits, int event) {
        return launch(0, List.of(b(a), b(bb), b(c), i(n)), n, q, waits, event, "vadd b" + a + " b" + bb);
    }

    /** scale(b[x], b[y], s, n) on queue q. */
    public static Instr.Launch scale(int x, int y, float s, int n, int q, List<Integer> waits, int event) {
        return launch(1, List.of(b(x), b(y), f(s), i(n)), n, q, waits, event, "scale b" + x);
    }

    public static Program program(String name, List<BufferSpec> buffers, List<Instr> setup, List<Instr> run, int queues) {
        return new Program(name, VADD_SCALE, buffers, List.of(VADD, SCALE), setup, run, queues);
    }

    /** The same program with one run instruction replaced. */
    public static Program withRun(Program p, int index, Instr in) {
        List<Instr> run = new ArrayList<>(p.run());
        run.set(index, in);
        return new Program(p.name(), p.source(), p.buffers(), p.kernels(), p.setup(), run, p.queues());
    }

    /**
     * y = s·(x + w) over n floats on one queue: w set up once, the sum in a TEMP buffer.
     * Buffers: b0 x INPUT, b1 w PARAM, b2 t TEMP, b3 y OUTPUT.
     */
    public static Program addScale(int n, float s) {
        long bytes = 4L * n;
        return program("add_scale",
                List.of(buf(0, "x", bytes, Role.INPUT), buf(1, "w", bytes, Role.PARAM), buf(2, "t", bytes, Role.TEMP),
                        buf(3, "y", bytes, Role.OUTPUT)),
                List.of(write(1, "w", 0)),
                List.of(write(0, "x", 0), vadd(0, 1, 2, n, 0, List.of(), -1), scale(2, 3, s, n, 0, List.of(), -1),
                        read(3, "y", 0)),
                1);
    }

    public static float[] floats(int n, float start, float step) {
        float[] out = new float[n];
        for (int k = 0; k < n; k++) {
            out[k] = start + step * k;
        }
        return out;
    }

    public static String show(float[] a) {
        return Arrays.toString(a);
    }
}
