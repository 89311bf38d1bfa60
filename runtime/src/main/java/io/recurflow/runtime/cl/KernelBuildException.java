package io.recurflow.runtime.cl;

import java.nio.file.Path;
import java.util.List;

/**
 * The OpenCL compiler rejected a program's source. The message holds the program's name, the kernels
 * its source declares, the compiler's build log, and the file the source was written to for reading.
 */
public class KernelBuildException extends OpenClException {
    private static final long serialVersionUID = 1L;

    private final String programName;
    private final transient List<String> kernelNames;
    private final String buildLog;
    private final transient Path sourceFile;

    public KernelBuildException(String programName, List<String> kernelNames, String buildLog, Path sourceFile,
                                String device, int status, Throwable cause) {
        super("cannot build OpenCL program '" + programName + "' (kernels: " + String.join(", ", kernelNames) + ") on "
                + device + ": " + statusName(status) + "\n--- build log ---\n" + buildLog.strip() + "\n--- end of build log ---\n"
                + "source written to " + (sourceFile == null ? "(could not write the source file)" : sourceFile.toString()),
                status, cause);
        this.programName = programName;
        this.kernelNames = List.copyOf(kernelNames);
        this.buildLog = buildLog;
        this.sourceFile = sourceFile;
    }

    public String programName() {
        return programName;
    }

    /** The names of the {@code __kernel} functions the source declares. */
    public List<String> kernelNames() {
        return kernelNames;
    }

    /** The compiler's log, as OpenCL reports it. */
    public String buildLog() {
        return buildLog;
    }

    /** Where the failing source was written, or null when it could not be written. */
    public Path sourceFile() {
        return sourceFile;
    }
}
