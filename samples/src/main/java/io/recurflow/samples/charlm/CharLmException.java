package io.recurflow.samples.charlm;

/** A problem with what the user gave the character model (data, checkpoint, settings), or a diverged run. */
public class CharLmException extends RuntimeException {
    public CharLmException(String message) {
        super(message);
    }

    public CharLmException(String message, Throwable cause) {
        super(message, cause);
    }
}
