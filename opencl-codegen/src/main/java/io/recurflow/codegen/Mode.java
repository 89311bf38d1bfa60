package io.recurflow.codegen;

import java.util.Locale;

/**
 * The execution modes of DESIGN.md, defined so that no ratio between them can be bought by slowing one
 * down: {@link #NAIVE} launches every op at every step; {@link #BATCHED} runs acyclic work over all
 * steps at once and fuses each recurrent component's work of one step into as few launches as it can.
 */
public enum Mode {
    NAIVE,
    BATCHED;

    public String textName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
