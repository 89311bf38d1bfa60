package io.recurflow.samples.charlm;

import java.util.Locale;

/**
 * How sequences of different lengths become batches (after the 2015 survey of NLP toolkits):
 * {@code pad} (sentences in random order, zero-padded to the longest of each batch, masked by lengths),
 * {@code bucket} (sentences of similar length batched together), {@code tbptt:K} (the text as B
 * streams cut into chunks of K steps, state carried across chunks, gradients truncated at them), and
 * {@code splice} (each row a stream of whole sentences one after another, state reset at each
 * sentence's start and carried across chunks).
 */
public record Strategy(Kind kind, int chunk) {
    /** The four strategies. */
    public enum Kind { PAD, BUCKET, TBPTT, SPLICE }

    public Strategy {
        if (kind == Kind.TBPTT ? chunk < 1 : chunk != 0) {
            throw new IllegalArgumentException("a chunk length belongs to tbptt only, and must be >= 1 there");
        }
    }

    /** Parses {@code pad}, {@code bucket}, {@code tbptt:K} or {@code splice}. */
    public static Strategy parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.startsWith("tbptt")) {
            String k = t.startsWith("tbptt:") ? t.substring(6) : "";
            try {
                int chunk = Integer.parseInt(k);
                if (chunk >= 1) {
                    return new Strategy(Kind.TBPTT, chunk);
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException("strategy '" + text + "': tbptt takes a chunk length, e.g. tbptt:32");
        }
        return switch (t) {
            case "pad" -> new Strategy(Kind.PAD, 0);
            case "bucket" -> new Strategy(Kind.BUCKET, 0);
            case "splice" -> new Strategy(Kind.SPLICE, 0);
            default -> throw new IllegalArgumentException("unknown strategy '" + text
                    + "' (pad, bucket, tbptt:K, splice)");
        };
    }

    /** The graph variant the strategy feeds. */
    public CharLm.Variant variant() {
        return switch (kind) {
            case PAD, BUCKET -> CharLm.Variant.SEQUENCES;
            case TBPTT -> CharLm.Variant.CARRIED;
            case SPLICE -> CharLm.Variant.SPLICED;
        };
    }

    /** The longest batch in steps: K for tbptt, else {@code seq}. */
    public int steps(int seq) {
        return kind == Kind.TBPTT ? chunk : seq;
    }

    /** The batches of {@code ids} for {@code batch} rows of at most {@link #steps} steps; {@code seed} orders them. */
    public Batcher batcher(int[] ids, Vocab vocab, int batch, int seq, long seed) {
        return switch (kind) {
            case PAD -> new SentenceBatcher(Sentences.split(ids, vocab, seq), batch, seed, false);
            case BUCKET -> new SentenceBatcher(Sentences.split(ids, vocab, seq), batch, seed, true);
            case TBPTT -> new StreamBatcher(ids, batch, chunk);
            // spliced sentences run on across batches: they are not cut to the batch length
            case SPLICE -> new SpliceBatcher(Sentences.split(ids, vocab, Integer.MAX_VALUE - 1), batch, seq, seed);
        };
    }

    @Override
    public String toString() {
        return kind == Kind.TBPTT ? "tbptt:" + chunk : kind.name().toLowerCase(Locale.ROOT);
    }
}
