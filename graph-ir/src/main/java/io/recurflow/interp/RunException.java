package io.recurflow.interp;

/** A run that cannot start or finish because of what it was given: a missing or misshapen input, a bad id. */
public class RunException extends RuntimeException {
    public RunException(String message) {
        super(message);
    }
}
