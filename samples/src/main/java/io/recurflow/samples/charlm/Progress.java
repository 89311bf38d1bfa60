package io.recurflow.samples.charlm;

/** Where a training run reports: a progress bar redrawn at every step, and lines for the log. */
public interface Progress {
    /** After each step: steps done of {@code total}, throughput, the step's mean loss, seconds left (NaN: unknown). */
    void bar(long step, long total, double tokensPerSecond, double loss, double secondsLeft);

    /** A line of the log (the trainer also writes it to the run's log file). */
    void line(String text);

    /** Nothing shown: for tests and benchmarks. */
    Progress SILENT = new Progress() {
        @Override
        public void bar(long step, long total, double tokensPerSecond, double loss, double secondsLeft) {
        }

        @Override
        public void line(String text) {
        }
    };
}
