package io.recurflow.samples.charlm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A run's {@code metrics.csv}: one row per logged step, {@code step,loss,tokens_per_s,val_bpc}, with
 * {@code val_bpc} empty where none was measured. A resumed run keeps the rows up to its checkpoint's
 * step and appends after them.
 */
public final class Metrics {
    public static final String HEADER = "step,loss,tokens_per_s,val_bpc";

    /** One row; {@code valBpc} NaN where none was measured. */
    public record Row(long step, double loss, double tokensPerSecond, double valBpc) {
        String csv() {
            return step + "," + String.format(Locale.ROOT, "%.6f", loss) + ","
                    + String.format(Locale.ROOT, "%.1f", tokensPerSecond) + ","
                    + (Double.isNaN(valBpc) ? "" : String.format(Locale.ROOT, "%.6f", valBpc));
        }

        static Row parse(String line) {
            String[] p = line.split(",", -1);
            return new Row(Long.parseLong(p[0]), Double.parseDouble(p[1]), Double.parseDouble(p[2]),
                    p[3].isEmpty() ? Double.NaN : Double.parseDouble(p[3]));
        }
    }

    private final Path file;
    private final List<Row> rows = new ArrayList<>();

    private Metrics(Path file) {
        this.file = file;
    }

    /** A new file (replacing any), or with {@code keepUpTo} ≥ 0 the existing rows up to that step kept. */
    public static Metrics open(Path file, long keepUpTo) {
        Metrics m = new Metrics(file);
        try {
            if (keepUpTo >= 0 && Files.exists(file)) {
                List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                    if (!line.isBlank()) {
                        Row r = Row.parse(line);
                        if (r.step() <= keepUpTo) {
                            m.rows.add(r);
                        }
                    }
                }
            }
            StringBuilder sb = new StringBuilder(HEADER).append('\n');
            for (Row r : m.rows) {
                sb.append(r.csv()).append('\n');
            }
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new CharLmException(file + " is not a metrics file of this run: " + e.getMessage(), e);
        }
        return m;
    }

    public void append(Row r) {
        rows.add(r);
        try {
            Files.writeString(file, r.csv() + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    public List<Row> rows() {
        return List.copyOf(rows);
    }
}
