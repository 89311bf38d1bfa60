package io.recurflow.runtime.bundle;

/** A bundle that cannot be used as asked: corrupted, of another format version, or given inputs that do not fit. */
public class BundleException extends RuntimeException {
    public BundleException(String message) {
        super(message);
    }

    public BundleException(String message, Throwable cause) {
        super(message, cause);
    }
}
