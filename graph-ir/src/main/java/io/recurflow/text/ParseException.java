package io.recurflow.text;

import io.recurflow.ir.GraphException;

/** A graph text that cannot be read: the message starts with {@code source:line:column:} (1-based). */
public final class ParseException extends GraphException {
    private final String sourceName;
    private final int line;
    private final int column;
    private final String detail;

    ParseException(String sourceName, int line, int column, String detail) {
        super(sourceName + ":" + line + ":" + column + ": " + detail);
        this.sourceName = sourceName;
        this.line = line;
        this.column = column;
        this.detail = detail;
    }

    /** A problem of the whole graph (found by the verifier), which has no single position. */
    ParseException(String sourceName, String detail) {
        super(sourceName + ": " + detail);
        this.sourceName = sourceName;
        this.line = 0;
        this.column = 0;
        this.detail = detail;
    }

    public String sourceName() {
        return sourceName;
    }

    /** 1-based line of the offending token, or 0 when the problem has no single position. */
    public int line() {
        return line;
    }

    /** 1-based column of the offending token, or 0 when the problem has no single position. */
    public int column() {
        return column;
    }

    /** The message without the position prefix. */
    public String detail() {
        return detail;
    }
}
