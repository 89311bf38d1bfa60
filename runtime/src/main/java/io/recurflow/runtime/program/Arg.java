package io.recurflow.runtime.program;

/** A kernel argument of a launch: a buffer, an int or a float. */
public sealed interface Arg permits Arg.Buffer, Arg.Int, Arg.Float {
    /** The kinds of kernel parameters. */
    enum Kind { BUFFER, INT, FLOAT }

    Kind kind();

    /** Device buffer {@code buffer} (an id of {@link Program#buffers()}). */
    record Buffer(int buffer) implements Arg {
        @Override
        public Kind kind() {
            return Kind.BUFFER;
        }
    }

    /** An int argument passed by value. */
    record Int(int value) implements Arg {
        @Override
        public Kind kind() {
            return Kind.INT;
        }
    }

    /** A float argument passed by value. */
    record Float(float value) implements Arg {
        @Override
        public Kind kind() {
            return Kind.FLOAT;
        }
    }
}
