package io.recurflow.samples.charlm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Cuts a text into sentences: a sentence ends after '.', '!' or '?' and the whitespace that follows,
 * or after a line break. A sentence of n characters gives n − 1 predictions; one longer than
 * {@code maxSteps} + 1 characters is cut into pieces of that size overlapping by one character, so no
 * prediction is lost. Pieces shorter than two characters predict nothing and are dropped.
 */
public final class Sentences {
    private Sentences() {
    }

    public static List<int[]> split(int[] ids, Vocab vocab, int maxSteps) {
        if (maxSteps < 1) {
            throw new IllegalArgumentException("sequence length must be at least 1");
        }
        boolean[] end = flags(vocab, ".!?");
        boolean[] space = flags(vocab, " \t\r\n");
        int newline = vocab.id('\n');
        List<int[]> out = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < ids.length) {
            boolean cut = ids[i] == newline;
            if (end[ids[i]] && i + 1 < ids.length && space[ids[i + 1]]) {
                while (i + 1 < ids.length && space[ids[i + 1]]) {
                    i++;
                }
                cut = true;
            }
            i++;
            if (cut || i == ids.length) {
                pieces(ids, start, i, maxSteps + 1, out);
                start = i;
            }
        }
        return out;
    }

    /** At least one sentence per batch row, else a CharLmException. */
    static void checkEnough(List<int[]> sentences, int batch) {
        if (sentences.size() < batch) {
            throw new CharLmException("the text has " + sentences.size() + " sentences, fewer than the batch of " + batch);
        }
    }

    private static void pieces(int[] ids, int from, int to, int maxChars, List<int[]> out) {
        for (int s = from; to - s >= 2; s += maxChars - 1) {
            out.add(Arrays.copyOfRange(ids, s, (int) Math.min(to, (long) s + maxChars)));
            if ((long) s + maxChars >= to) {
                break;
            }
        }
    }

    private static boolean[] flags(Vocab vocab, String chars) {
        boolean[] f = new boolean[vocab.size()];
        chars.codePoints().forEach(cp -> {
            int id = vocab.id(cp);
            if (id >= 0) {
                f[id] = true;
            }
        });
        return f;
    }
}
