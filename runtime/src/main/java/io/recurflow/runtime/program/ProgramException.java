package io.recurflow.runtime.program;

import java.util.List;

/** A {@link Program} failed verification; the message lists every problem found, one a line. */
public class ProgramException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String programName;
    private final transient List<String> problems;

    public ProgramException(String programName, List<String> problems) {
        super(message(programName, problems));
        this.programName = programName;
        this.problems = List.copyOf(problems);
    }

    private static String message(String name, List<String> problems) {
        StringBuilder sb = new StringBuilder("program ").append(name == null ? "(unnamed)" : "'" + name + "'")
                .append(" is invalid: ").append(problems.size()).append(problems.size() == 1 ? " problem" : " problems");
        for (String p : problems) {
            sb.append("\n  ").append(p);
        }
        return sb.toString();
    }

    /** The name of the program at fault. */
    public String programName() {
        return programName;
    }

    /** Each problem, naming the instruction ({@code run[3]}), buffer or kernel at fault. */
    public List<String> problems() {
        return problems;
    }
}
