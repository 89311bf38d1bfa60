package io.recurflow.scc;

/** Graphviz's {@code dot} program could not be found or started; the message says how to install it. */
public class GraphvizMissingException extends RuntimeException {
    public GraphvizMissingException(String command, Throwable cause) {
        super("Graphviz '" + command + "' was not found on the PATH (" + System.getenv("PATH")
                + "): install the Debian package graphviz (apt-get install graphviz) to render SVG;"
                + " the DOT text itself needs no Graphviz", cause);
    }
}
