package io.recurflow.runtime.program;

import java.util.ArrayList;
import java.util.List;

/** The instructions of a {@link Program}; each has a one-line form in the printer. */
public sealed interface Instr permits Instr.Write, Instr.Fill, Instr.Launch, Instr.Read {

    /** The in-order queue the instruction is enqueued on. */
    int queue();

    /** The buffer ids the instruction mentions, in argument order (a launch may name one several times). */
    default List<Integer> buffers() {
        if (this instanceof Write) {
            return List.of(((Write) this).buffer());
        }
        if (this instanceof Fill) {
            return List.of(((Fill) this).buffer());
        }
        if (this instanceof Read) {
            return List.of(((Read) this).buffer());
        }
        List<Integer> out = new ArrayList<>();
        for (Arg a : ((Launch) this).args()) {
            if (a instanceof Arg.Buffer) {
                out.add(((Arg.Buffer) a).buffer());
            }
        }
        return out;
    }

    /** {@code write BUF <- host "name"}: copies the host array called {@code host} into the buffer. */
    record Write(int buffer, String host, int queue) implements Instr {
    }

    /** {@code fill BUF = value}: sets every float of the buffer (zeros for initial states, padding). */
    record Fill(int buffer, float value, int queue) implements Instr {
    }

    /**
     * {@code launch K(args) global=[..] local=[..] on qN wait [e..] -> eM}: enqueues kernel
     * {@code kernel}; {@code local} may be null (the device chooses); {@code event} is this launch's
     * event id, or −1 when nothing waits on it; {@code label} says what the launch computes.
     */
    record Launch(int kernel, List<Arg> args, long[] global, long[] local, int queue, List<Integer> waits, int event,
                  String label) implements Instr {
        public Launch {
            args = List.copyOf(args);
            waits = List.copyOf(waits);
            global = global.clone();
            local = local == null ? null : local.clone();
        }
    }

    /** {@code read BUF -> host "name"}: copies the buffer back into the host array called {@code host}. */
    record Read(int buffer, String host, int queue) implements Instr {
    }
}
