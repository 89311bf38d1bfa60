package io.recurflow.runtime.program;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The happens-before order of one instruction list: each queue is in order, and a launch comes after
 * every instruction that comes before (or is) the launch defining an event it waits on.
 *
 * <p>Vector clocks keep this at queues × instructions integers: {@code clock[j][q]} is the highest
 * position on queue q of an instruction that happens before j (or is j). Instructions whose queue is
 * out of range, and waits on events not defined earlier, add no order (the verifier reports them).
 */
final class Ordering {
    private final int[] queue;
    private final int[] seq;
    private final int[][] clock;

    private Ordering(int[] queue, int[] seq, int[][] clock) {
        this.queue = queue;
        this.seq = seq;
        this.clock = clock;
    }

    static Ordering of(List<Instr> list, int queues) {
        int n = list.size();
        int q = Math.max(queues, 1);
        int[] queue = new int[n];
        int[] seq = new int[n];
        int[][] clock = new int[n][];
        int[] last = new int[q];
        for (int k = 0; k < q; k++) {
            last[k] = -1;
        }
        int[] count = new int[q];
        Map<Integer, Integer> definedBy = new HashMap<>();
        for (int j = 0; j < n; j++) {
            Instr in = list.get(j);
            int qj = in.queue();
            if (qj < 0 || qj >= q) {
                // out of range: no order at all, so it is never "before" anything
                queue[j] = 0;
                seq[j] = Integer.MAX_VALUE;
                clock[j] = new int[q];
                continue;
            }
            int[] c = last[qj] >= 0 ? clock[last[qj]].clone() : new int[q];
            if (in instanceof Instr.Launch) {
                Instr.Launch l = (Instr.Launch) in;
                for (int e : l.waits()) {
                    Integer producer = definedBy.get(e);
                    if (producer != null) {
                        int[] pc = clock[producer];
                        for (int k = 0; k < q; k++) {
                            c[k] = Math.max(c[k], pc[k]);
                        }
                    }
                }
            }
            count[qj]++;
            c[qj] = count[qj];
            queue[j] = qj;
            seq[j] = count[qj];
            clock[j] = c;
            last[qj] = j;
            if (in instanceof Instr.Launch && ((Instr.Launch) in).event() >= 0) {
                definedBy.putIfAbsent(((Instr.Launch) in).event(), j);
            }
        }
        return new Ordering(queue, seq, clock);
    }

    /** Whether instruction {@code i} is complete before instruction {@code j} starts. */
    boolean before(int i, int j) {
        return i != j && seq[i] != Integer.MAX_VALUE && clock[j][queue[i]] >= seq[i];
    }

    /** The queue of instruction {@code i} (0 when its queue was out of range). */
    int queue(int i) {
        return queue[i];
    }

    /** The position of instruction {@code i} on its queue, from 1. */
    int seq(int i) {
        return seq[i];
    }

    /** The highest position on queue {@code q} that happens before instruction {@code j} or is j. */
    int clock(int j, int q) {
        return clock[j][q];
    }
}
