package io.recurflow.cli;

import io.recurflow.samples.charlm.Progress;
import io.recurflow.samples.charlm.Trainer;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Training progress on stderr: on a terminal, one bar redrawn in place with \r after every step; else
 * (a pipe, a file) no bar, only the trainer's periodic log lines (which carry the same figures).
 */
final class Progressbar implements Progress {
    private final PrintStream err;
    private final boolean terminal;
    private boolean barShown;

    Progressbar(PrintStream err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    @Override
    public void bar(long step, long total, double tokensPerSecond, double loss, double secondsLeft) {
        String text = String.format(Locale.ROOT, "step %d/%d  %.0f tok/s  loss %.3f  %s left", step, total,
                tokensPerSecond, loss, Trainer.clock(secondsLeft));
        if (terminal) {
            int width = 24;
            int filled = (int) (width * step / Math.max(1, total));
            err.print("\r[" + "#".repeat(filled) + " ".repeat(width - filled) + "] " + text + "\033[K");
            err.flush();
            barShown = true;
        }
    }

    @Override
    public void line(String text) {
        if (barShown) {
            err.print("\r\033[K");
            barShown = false;
        }
        err.println(text);
    }

    /** Ends the bar's line. */
    void finish() {
        if (barShown) {
            err.println();
            barShown = false;
        }
    }
}
