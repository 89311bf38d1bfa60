package io.recurflow.runtime.cl;

import org.jocl.CL;

/** An OpenCL call failed; the message names the call, the object it was working on and the OpenCL status. */
public class OpenClException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;

    /** {@code status} is the OpenCL error code, or 0 when the failure was detected before calling OpenCL. */
    public OpenClException(String message, int status, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    /** The OpenCL error code (negative), or 0 when none applies. */
    public int status() {
        return status;
    }

    /** The symbolic name of an OpenCL error code, e.g. {@code CL_OUT_OF_RESOURCES}. */
    public static String statusName(int status) {
        return CL.stringFor_errorCode(status);
    }
}
