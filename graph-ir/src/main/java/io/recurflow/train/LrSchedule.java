package io.recurflow.train;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The learning rate at each step: {@code constant}, or {@code cosine} (linear warm-up over
 * {@code warmup} steps, then a half cosine from the base rate down to {@code min} · base at
 * {@code total} steps, and the floor after that). Written as text like {@code cosine:warmup=100,min=0.1}.
 */
public record LrSchedule(Kind kind, double base, long warmup, double minFraction, long total) {

    /** The shape of the curve. */
    public enum Kind { CONSTANT, COSINE }

    public LrSchedule {
        if (kind == null || !(base > 0) || warmup < 0 || !(minFraction >= 0 && minFraction <= 1) || total < 1) {
            throw new IllegalArgumentException("bad learning-rate schedule: kind " + kind + ", lr " + base + ", warmup "
                    + warmup + ", min " + minFraction + ", total steps " + total);
        }
    }

    /** A constant rate. */
    public static LrSchedule constant(double base) {
        return new LrSchedule(Kind.CONSTANT, base, 0, 1, 1);
    }

    /**
     * Parses {@code constant[:warmup=N]} or {@code cosine[:warmup=N,min=F]} (defaults: warmup 0, min 0.1)
     * for base rate {@code base} over {@code total} steps; an IllegalArgumentException names what is wrong.
     */
    public static LrSchedule parse(String text, double base, long total) {
        String[] parts = text.trim().split(":", 2);
        Map<String, String> opts = new LinkedHashMap<>();
        if (parts.length > 1 && !parts[1].isBlank()) {
            for (String kv : parts[1].split(",")) {
                String[] p = kv.split("=", 2);
                if (p.length != 2) {
                    throw new IllegalArgumentException("schedule '" + text + "': expected key=value, got '" + kv + "'");
                }
                opts.put(p[0].trim(), p[1].trim());
            }
        }
        Kind kind;
        try {
            kind = Kind.valueOf(parts[0].trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown schedule '" + parts[0] + "' (constant, cosine)");
        }
        long warmup = 0;
        double min = kind == Kind.COSINE ? 0.1 : 1;
        for (Map.Entry<String, String> e : opts.entrySet()) {
            try {
                if (e.getKey().equals("warmup")) {
                    warmup = Long.parseLong(e.getValue());
                } else if (e.getKey().equals("min") && kind == Kind.COSINE) {
                    min = Double.parseDouble(e.getValue());
                } else {
                    throw new IllegalArgumentException("schedule '" + text + "': unknown option '" + e.getKey() + "' (warmup"
                            + (kind == Kind.COSINE ? ", min)" : ")"));
                }
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException("schedule '" + text + "': " + e.getKey() + " is not a number: '"
                        + e.getValue() + "'");
            }
        }
        return new LrSchedule(kind, base, warmup, min, Math.max(1, total));
    }

    /** The rate of the update that follows {@code step} updates (step counted from 0). */
    public double lr(long step) {
        if (step < warmup) {
            return base * (step + 1) / warmup;
        }
        if (kind == Kind.CONSTANT) {
            return base;
        }
        double progress = Math.min(1, (double) (step - warmup) / Math.max(1, total - warmup));
        return base * (minFraction + (1 - minFraction) * 0.5 * (1 + Math.cos(Math.PI * progress)));
    }

    /** The text form {@link #parse} reads (without the base rate and total, which travel separately). */
    public String text() {
        return kind == Kind.CONSTANT ? "constant:warmup=" + warmup
                : "cosine:warmup=" + warmup + ",min=" + minFraction;
    }
}
