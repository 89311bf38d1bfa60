package io.recurflow.ir;

/** A graph that is not valid: the message names the nodes at fault. */
public class GraphException extends RuntimeException {
    public GraphException(String message) {
        super(message);
    }
}
