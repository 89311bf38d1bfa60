package io.recurflow.dsl;

import io.recurflow.ir.DType;
import io.recurflow.ir.Shape;

/** A handle on a node being built; valid only with the {@link GraphBuilder} that made it. */
public sealed class Value implements Arg permits Recurrent {
    final GraphBuilder builder;
    final int id;

    Value(GraphBuilder builder, int id) {
        this.builder = builder;
        this.id = id;
    }

    @Override
    public Value value() {
        return this;
    }

    @Override
    public int delay() {
        return 0;
    }

    @Override
    public Value init() {
        return null;
    }

    /** This value at step t − 1 (zeros before the first step). */
    public Delayed prev() {
        return new Delayed(this, 1, null);
    }

    /** This value at step t + 1 (zeros after the last step): for reverse recurrences. */
    public Delayed next() {
        return new Delayed(this, -1, null);
    }

    /** This value at step t − delay. */
    public Delayed delayed(int delay) {
        return new Delayed(this, delay, null);
    }

    /** Gives the node a name (its name in the text form and the DOT picture); returns this. */
    public Value named(String name) {
        builder.rename(this, name);
        return this;
    }

    public String name() {
        return builder.spec(this).name;
    }

    public Shape shape() {
        return builder.spec(this).shape;
    }

    public DType dtype() {
        return builder.spec(this).dtype;
    }

    public boolean isPerStep() {
        return builder.spec(this).axis != null;
    }

    @Override
    public String toString() {
        return "%" + name() + " " + shape();
    }
}
