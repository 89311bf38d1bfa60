package io.recurflow.codegen;

import java.util.Locale;

/**
 * The execution modes of DESIGN.md, defined so that no ratio between them can be bought by slowing one
 * down: {@link #NAIVE} launches every op at every step; {@link #BATCHED} runs acyclic work over all
 * steps at once and fuses each recurrent component's work of one step into as few launches as it can;
 * {@link #SCHEDULED} adds several queues.
 */
public enum Mode {
    NAIVE,
    BATCHED,
    /**
     * Everything else Recurflow knows: the components' tasks (a step of a recurrence, all steps of
     * acyclic work) placed on K in-order queues by the list scheduler, with events where a dependency
     * crosses queues, so that independent recurrences (the two directions of a bidirectional layer)
     * run side by side and a downstream recurrence runs a step behind its producer.
     */
    SCHEDULED;

    public String textName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
