package io.recurflow.scc.schedule;

import java.util.List;

/** A schedule that does not run its task graph correctly; {@link #problems()} lists every finding. */
public class ScheduleException extends RuntimeException {
    private final List<String> problems;

    public ScheduleException(List<String> problems) {
        super(problems.size() == 1 ? problems.get(0)
                : "the schedule is not valid:\n  " + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
