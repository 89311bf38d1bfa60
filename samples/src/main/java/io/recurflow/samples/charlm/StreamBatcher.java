package io.recurflow.samples.charlm;

/**
 * tbptt:K: the text cut into B contiguous streams of S steps each; batch c (modulo the chunks per
 * epoch) is steps [cK, cK + K) of every stream, T = K (the last chunk shorter, by its lengths). The
 * state is carried from chunk to chunk and starts from zero at each epoch's first chunk.
 */
final class StreamBatcher implements Batcher {
    private final int[] ids;
    private final int batch;
    private final int chunk;
    private final int streamSteps;
    private final long perEpoch;

    StreamBatcher(int[] ids, int batch, int chunk) {
        this.ids = ids;
        this.batch = batch;
        this.chunk = chunk;
        this.streamSteps = (ids.length - 1) / batch;
        if (streamSteps < 1) {
            throw new CharLmException("the text has " + ids.length + " characters, too few for " + batch + " streams");
        }
        this.perEpoch = (streamSteps + chunk - 1) / chunk;
    }

    @Override
    public long batchesPerEpoch() {
        return perEpoch;
    }

    @Override
    public Batch batch(long index) {
        int c = (int) (index % perEpoch);
        int from = c * chunk;
        int steps = Math.min(chunk, streamSteps - from);
        Rows rows = new Rows(chunk, batch, false);
        for (int b = 0; b < batch; b++) {
            int base = b * streamSteps + from;
            for (int t = 0; t < steps; t++) {
                rows.set(t, b, ids[base + t], ids[base + t + 1]);
            }
        }
        return rows.build(c == 0);
    }
}
