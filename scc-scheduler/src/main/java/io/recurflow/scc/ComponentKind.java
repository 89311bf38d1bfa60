package io.recurflow.scc;

/** How a strongly connected component runs: all steps at once, or step by step forward or backward in time. */
public enum ComponentKind {
    /** Acyclic (one node, no self-loop): all T steps in one launch of T·B rows. */
    BATCHED("batched", 0),
    /** A cycle through past reads (delays &gt; 0): steps 0, 1, …, T−1 in order. */
    RECURRENT_FORWARD("recurrent-forward", 1),
    /** A cycle through future reads (delays &lt; 0): steps T−1, …, 0 in order. */
    RECURRENT_REVERSE("recurrent-reverse", -1);

    private final String textName;
    private final int stepDirection;

    ComponentKind(String textName, int stepDirection) {
        this.textName = textName;
        this.stepDirection = stepDirection;
    }

    /** The name in text, JSON and DOT output, e.g. {@code recurrent-forward}. */
    public String textName() {
        return textName;
    }

    /** +1 when steps run forward, −1 backward, 0 when they are independent (batched). */
    public int stepDirection() {
        return stepDirection;
    }

    public boolean isRecurrent() {
        return this != BATCHED;
    }

    /** The kind called {@code text} (see {@link #textName()}), or null. */
    public static ComponentKind fromText(String text) {
        for (ComponentKind k : values()) {
            if (k.textName.equals(text)) {
                return k;
            }
        }
        return null;
    }
}
