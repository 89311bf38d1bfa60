package io.recurflow.dsl;

/** {@code value} read at step t − {@code delay}; outside the sequence it yields {@code init} (zeros when null). */
public record Delayed(Value value, int delay, Value init) implements Arg {
    public Delayed {
        if (delay == 0) {
            throw new IllegalArgumentException("a delayed read needs a non-zero delay");
        }
    }

    /** The same read, with {@code initial} as the value outside the sequence. */
    public Delayed init(Value initial) {
        return new Delayed(value, delay, initial);
    }
}
