package io.recurflow.dsl;

/**
 * A per-step value used before it is defined, so that a cell can read its own past:
 * {@code h = g.recurrent("h", shape); … h.prev() …; h.define(newH)}.
 */
public final class Recurrent extends Value {
    Recurrent(GraphBuilder builder, int id) {
        super(builder, id);
    }

    /** Makes {@code definition} the value of this recurrence; the definition takes this value's name. */
    public Recurrent define(Value definition) {
        builder.define(this, definition);
        return this;
    }
}
