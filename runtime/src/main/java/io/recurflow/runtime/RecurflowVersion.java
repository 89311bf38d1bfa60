package io.recurflow.runtime;

/** The Recurflow version; a bundle records the version that wrote it. */
public final class RecurflowVersion {
    /** The version of this build, equal to the Maven project version. */
    public static final String VERSION = "0.1.0-SNAPSHOT";

    private RecurflowVersion() {
    }

    /** {@link #VERSION}. */
    public static String get() {
        return VERSION;
    }
}
