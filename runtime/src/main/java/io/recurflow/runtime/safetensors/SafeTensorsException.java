package io.recurflow.runtime.safetensors;

/** A safetensors file could not be read or written; the message names the file and what is wrong. */
public class SafeTensorsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An error with a message that already names the file. */
    public SafeTensorsException(String message) {
        super(message);
    }

    /** An error with a message that already names the file, caused by {@code cause}. */
    public SafeTensorsException(String message, Throwable cause) {
        super(message, cause);
    }
}
