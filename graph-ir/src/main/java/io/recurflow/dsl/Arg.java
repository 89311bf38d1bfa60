package io.recurflow.dsl;

/** An operand in the DSL: a value read at the same step, or a {@link Delayed} read of its past or future. */
public sealed interface Arg permits Value, Delayed {
    /** The value read. */
    Value value();

    /** Steps back in time (t − delay); negative reads the future. */
    int delay();

    /** The static value read outside the sequence, or null for zeros. */
    Value init();
}
