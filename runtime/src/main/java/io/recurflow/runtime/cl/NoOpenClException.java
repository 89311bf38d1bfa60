package io.recurflow.runtime.cl;

/** No OpenCL platform or device could be found, or the OpenCL library could not be loaded; says what to install. */
public class NoOpenClException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The advice appended to every message. */
    public static final String ADVICE = "Install an OpenCL driver and the ICD loader's development link; on Debian or Ubuntu: "
            + "apt-get install pocl-opencl-icd ocl-icd-opencl-dev (pocl-opencl-icd runs OpenCL on the CPU through PoCL; "
            + "ocl-icd-opencl-dev provides the unversioned libOpenCL.so that JOCL loads).";

    /** {@code reason} says what was seen; the message adds what to install. */
    public NoOpenClException(String reason, Throwable cause) {
        super("no OpenCL platform found: " + reason + ". " + ADVICE, cause);
    }
}
