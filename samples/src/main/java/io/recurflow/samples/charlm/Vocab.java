package io.recurflow.samples.charlm;

import java.util.Arrays;
import java.util.TreeSet;

/**
 * The characters (Unicode code points) of a text in ascending order; a character's id is its index.
 * Its text form ({@link #text()}: the characters in order) is stored in checkpoints.
 */
public final class Vocab {
    private final int[] codePoints;

    private Vocab(int[] codePoints) {
        this.codePoints = codePoints;
    }

    /** The distinct characters of {@code text}, sorted. */
    public static Vocab of(String text) {
        TreeSet<Integer> set = new TreeSet<>();
        text.codePoints().forEach(set::add);
        return new Vocab(set.stream().mapToInt(Integer::intValue).toArray());
    }

    /** The vocabulary whose {@link #text()} is {@code text} (its characters must be sorted and distinct). */
    public static Vocab fromText(String text) {
        int[] cps = text.codePoints().toArray();
        for (int i = 1; i < cps.length; i++) {
            if (cps[i] <= cps[i - 1]) {
                throw new IllegalArgumentException("a vocabulary lists distinct characters in ascending order");
            }
        }
        return new Vocab(cps);
    }

    public int size() {
        return codePoints.length;
    }

    /** The characters in id order. */
    public String text() {
        return new String(codePoints, 0, codePoints.length);
    }

    /** The id of code point {@code cp}, or −1. */
    public int id(int cp) {
        int i = Arrays.binarySearch(codePoints, cp);
        return i < 0 ? -1 : i;
    }

    /** The ids of {@code text}; a character outside the vocabulary is a CharLmException naming it. */
    public int[] encode(String text) {
        return text.codePoints().map(cp -> {
            int id = id(cp);
            if (id < 0) {
                throw new CharLmException("the character '" + new String(Character.toChars(cp)) + "' (U+"
                        + String.format("%04X", cp) + ") is not in the model's vocabulary");
            }
            return id;
        }).toArray();
    }

    /** The character of {@code id}. */
    public String decode(int id) {
        return new String(Character.toChars(codePoints[id]));
    }
}
