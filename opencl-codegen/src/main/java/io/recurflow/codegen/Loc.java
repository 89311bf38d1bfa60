package io.recurflow.codegen;

/**
 * Where a node's value lives on the device: a buffer, an element offset, the elements between
 * consecutive rows, a column offset within a row, and the row width. Views (slice, select,
 * stack over time) share their operand's buffer with another offset or column.
 *
 * <p>Rows: a per-step value has one row per (step, sequence), row t·B + b; a static value has
 * {@code rows} rows (B for per-sequence values, 1 for parameters broadcast to every row).
 */
record Loc(int buffer, long base, int stride, int col, int width, boolean perStep, int rows) {
    boolean contiguous() {
        return col == 0 && stride == width;
    }

    Loc withColumns(int addCol, int newWidth) {
        return new Loc(buffer, base, stride, col + addCol, newWidth, perStep, rows);
    }
}
