package io.recurflow.codegen;

import io.recurflow.ir.GraphException;

/** A valid graph that the OpenCL backend cannot lower yet; the message names the node and why. */
public class UnsupportedGraphException extends GraphException {
    public UnsupportedGraphException(String message) {
        super(message);
    }
}
