package io.recurflow.codegen;

import io.recurflow.runtime.program.Arg;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes one kernel over rows and columns of a value: every kernel of this kind takes
 * {@code (lengths, t0, buffers…)} and runs on a 2-D range [columns, rows].
 *
 * <p>Per-step kernels cover steps t0 … of all B sequences (row r is step t0 + r / B of sequence
 * r % B, global row R = t·B + b) and write zeros past each sequence's end. Static kernels cover rows
 * r of a static value. Reads of a per-step value at t − d outside [0, length) yield the operand's
 * initial value or zero, so a reverse recurrence starts at each sequence's own last step.
 */
final class KernelWriter {
    private final boolean perStep;
    private final int batch;
    private final int staticRows;
    private final Map<Integer, String> params = new LinkedHashMap<>();
    private final Map<Integer, Boolean> intParams = new LinkedHashMap<>();
    private final StringBuilder body = new StringBuilder();
    private int temps;

    KernelWriter(boolean perStep, int batch, int staticRows) {
        this.perStep = perStep;
        this.batch = batch;
        this.staticRows = staticRows;
    }

    /** The kernel parameter name of buffer {@code buffer}. */
    String param(int buffer, boolean isInt) {
        return params.computeIfAbsent(buffer, b -> {
            intParams.put(b, isInt);
            return "p" + params.size();
        });
    }

    /** The buffers in parameter order (after {@code lengths} and {@code t0}). */
    List<Integer> buffers() {
        return new ArrayList<>(params.keySet());
    }

    List<Arg.Kind> paramKinds() {
        List<Arg.Kind> kinds = new ArrayList<>(List.of(Arg.Kind.BUFFER, Arg.Kind.INT));
        for (int i = 0; i < params.size(); i++) {
            kinds.add(Arg.Kind.BUFFER);
        }
        return kinds;
    }

    void line(String text) {
        body.append("    ").append(text).append('\n');
    }

    String temp() {
        return "v" + temps++;
    }

    boolean perStep() {
        return perStep;
    }

    /** Whether loads of a column read sixteen columns from there on (a float16); see {@link #vector16}. */
    private boolean vector16;

    /**
     * From now on, loads at a column other than the literal {@code "0"} (a one-column value broadcast
     * to every column) read the sixteen columns from there on as a float16, or back to one float.
     */
    void vector16(boolean on) {
        vector16 = on;
    }

    boolean isVector16() {
        return vector16;
    }

    /** {@code element} read as it is, or as the float16 starting there when loads are vectors. */
    private String lanes(String element, String col) {
        return vector16 && !col.equals("0") ? "vload16(0, &" + element + ")" : element;
    }

    /** The C expression reading {@code loc} at column {@code col} of this kernel's row, {@code delay} steps back. */
    String load(Loc loc, int delay, Loc init, String col, boolean isInt) {
        String p = param(loc.buffer(), isInt);
        String c = (loc.col() == 0 ? "" : loc.col() + " + ") + col;
        if (loc.perStep()) {
            if (!perStep) {
                throw new IllegalStateException("a static kernel cannot read a per-step value");
            }
            if (delay == 0) {
                return lanes(p + "[" + loc.base() + " + R * " + loc.stride() + " + " + c + "]", col);
            }
            String s = temp();
            line("int " + s + " = t - (" + delay + ");");
            String zero = isInt ? "0" : vector16 && !col.equals("0") ? "(float16)(0.0f)" : "0.0f";
            String fallback = init == null ? zero : load(init, 0, null, col, isInt);
            return "((" + s + " >= 0 && " + s + " < lengths[b]) ? " + lanes(p + "[" + loc.base() + " + (" + s + " * "
                    + batch + " + b) * " + loc.stride() + " + " + c + "]", col) + " : " + fallback + ")";
        }
        String row;
        if (loc.rows() == 1) {
            row = "0";
        } else if (perStep && loc.rows() == batch) {
            row = "b";
        } else if (!perStep && loc.rows() == staticRows) {
            row = "r";
        } else {
            throw new IllegalStateException("operand with " + loc.rows() + " rows in a kernel over "
                    + (perStep ? batch + " sequences" : staticRows + " rows"));
        }
        return lanes(at(loc, row, col, isInt), col);
    }

    /** The C lvalue of {@code loc} at column {@code col} of this kernel's row. */
    String store(Loc loc, String col) {
        return at(loc, perStep ? "R" : "r", col, false);
    }

    /** The C lvalue of {@code loc} at row {@code row} (of the whole value) and column {@code col}. */
    String at(Loc loc, String row, String col, boolean isInt) {
        String p = param(loc.buffer(), isInt);
        String r = row.matches("[A-Za-z0-9_]+") ? row : "(" + row + ")";
        return p + "[" + loc.base() + " + " + r + " * " + loc.stride() + " + " + (loc.col() == 0 ? "" : loc.col()
                + " + ") + col + "]";
    }

    /**
     * A kernel whose body loops over the steps itself (one work-group; see {@link Kernels#persistent}):
     * the signature, then {@code prologue}, then the lines written so far.
     */
    String finishPersistent(String prologue, String epilogue, int local) {
        StringBuilder sb = new StringBuilder();
        // the group size fixed at compile time: with one work-item PoCL drops the barriers' machinery
        // (saving values across them), which otherwise slows a kernel with barriers in branches severalfold
        sb.append("__kernel __attribute__((reqd_work_group_size(").append(local).append(", 1, 1)))\n");
        sb.append("void ").append(KernelSet.NAME).append("(__global const int* lengths, int t0");
        for (Map.Entry<Integer, String> e : params.entrySet()) {
            sb.append(", __global ").append(intParams.get(e.getKey()) ? "int* " : "float* ").append(e.getValue());
        }
        sb.append(") {\n").append(prologue).append(body).append(epilogue).append("}\n");
        return sb.toString();
    }

    /**
     * The whole kernel: a prologue that finds the row and column, {@code body}, and for per-step
     * kernels a guard that runs {@code padding} (statements that write zeros) and returns for rows past
     * their sequence's end.
     */
    String finish(List<String> padding, String columnsCheck) {
        return finish(padding, columnsCheck, 1);
    }

    /** As {@link #finish(List, String)} with {@code lanes} columns per work-item (j its first). */
    String finish(List<String> padding, String columnsCheck, int lanes) {
        StringBuilder sb = new StringBuilder();
        sb.append("__kernel void ").append(KernelSet.NAME).append("(__global const int* lengths, int t0");
        for (Map.Entry<Integer, String> e : params.entrySet()) {
            sb.append(", __global ").append(intParams.get(e.getKey()) ? "int* " : "float* ").append(e.getValue());
        }
        sb.append(") {\n");
        sb.append(lanes == 1 ? "    const int j = get_global_id(0);\n" : "    const int j = get_global_id(0) * " + lanes + ";\n");
        sb.append("    const int r = get_global_id(1);\n");
        if (columnsCheck != null) {
            sb.append("    if (j >= ").append(columnsCheck).append(") return;\n");
        }
        if (perStep) {
            sb.append("    const int b = r % ").append(batch).append(";\n");
            sb.append("    const int t = t0 + r / ").append(batch).append(";\n");
            sb.append("    const int R = t * ").append(batch).append(" + b;\n");
            sb.append("    if (t >= lengths[b]) {\n");
            for (String z : padding) {
                sb.append("        ").append(z).append('\n');
            }
            sb.append("        return;\n    }\n");
        }
        sb.append(body);
        sb.append("}\n");
        return sb.toString();
    }
}
