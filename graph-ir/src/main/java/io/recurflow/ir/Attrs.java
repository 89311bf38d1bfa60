package io.recurflow.ir;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Immutable node attributes, sorted by key so that printing is deterministic. Values are
 * {@link Long}, {@link Double}, {@link Boolean} or {@link String}.
 */
public final class Attrs {
    public static final Attrs EMPTY = new Attrs(new TreeMap<>());

    private final TreeMap<String, Object> values;

    private Attrs(TreeMap<String, Object> values) {
        this.values = values;
    }

    public static Attrs of(Object... keyValues) {
        Attrs a = EMPTY;
        for (int i = 0; i < keyValues.length; i += 2) {
            a = a.with((String) keyValues[i], keyValues[i + 1]);
        }
        return a;
    }

    /** A copy with {@code key} set; ints become longs and floats doubles. */
    public Attrs with(String key, Object value) {
        Object v;
        if (value instanceof Integer i) {
            v = (long) i;
        } else if (value instanceof Float f) {
            v = (double) f;
        } else if (value instanceof Long || value instanceof Double || value instanceof Boolean
                || value instanceof String) {
            v = value;
        } else {
            throw new IllegalArgumentException("unsupported attribute value " + value);
        }
        TreeMap<String, Object> copy = new TreeMap<>(values);
        copy.put(key, v);
        return new Attrs(copy);
    }

    public Map<String, Object> asMap() {
        return Collections.unmodifiableMap(values);
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    public boolean isEmpty() {
        return values.isEmpty();
    }

    public long getLong(String key, long dflt) {
        Object v = values.get(key);
        return v instanceof Long l ? l : dflt;
    }

    public int getInt(String key) {
        Object v = values.get(key);
        if (!(v instanceof Long l)) {
            throw new GraphException("missing integer attribute '" + key + "'");
        }
        return Math.toIntExact(l);
    }

    public double getDouble(String key, double dflt) {
        Object v = values.get(key);
        if (v instanceof Double d) {
            return d;
        }
        return v instanceof Long l ? l : dflt;
    }

    public boolean getBool(String key, boolean dflt) {
        Object v = values.get(key);
        return v instanceof Boolean b ? b : dflt;
    }

    public String getString(String key, String dflt) {
        Object v = values.get(key);
        return v instanceof String s ? s : dflt;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Attrs a && a.values.equals(values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(values);
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
