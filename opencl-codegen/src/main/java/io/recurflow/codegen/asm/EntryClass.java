package io.recurflow.codegen.asm;

import java.util.List;

/**
 * What an entry class offers besides what it inherits from {@code BundleModel}: one setter per model
 * input and one getter per output, under method names already made unique and valid.
 *
 * @param name    the binary name, e.g. {@code com.example.MyModel}
 */
public record EntryClass(String name, List<Setter> setters, List<Getter> getters) {
    public EntryClass {
        setters = List.copyOf(setters);
        getters = List.copyOf(getters);
    }

    /**
     * {@code method(float[] data, int[] lengths)} for a per-step input, {@code method(float[] data)} for a
     * static one; {@code int[]} data for id inputs.
     */
    public record Setter(String method, String input, boolean perStep, boolean ids) {
    }

    /** {@code float[] method()} returning output {@code output}. */
    public record Getter(String method, String output) {
    }
}
