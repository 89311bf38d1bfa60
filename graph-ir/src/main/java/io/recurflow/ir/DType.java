package io.recurflow.ir;

import java.util.Locale;

/** Element types: float32 for all values, int32 for token ids and targets. */
public enum DType {
    F32,
    I32;

    public String textName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
