package io.recurflow.cli;

/** A mistake in what the user asked for; reported as one line, exit code 1, no stack trace. */
public class UserException extends RuntimeException {
    public UserException(String message) {
        super(message);
    }

    public UserException(String message, Throwable cause) {
        super(message, cause);
    }
}
