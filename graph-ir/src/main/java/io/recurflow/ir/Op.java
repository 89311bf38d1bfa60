package io.recurflow.ir;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The closed set of operations a graph node can perform; every stage switches over it exhaustively.
 *
 * <p>All feature-wise ops work on the last axis; the batch axis (symbol {@code B}) is carried along.
 */
public enum Op {
    /** Per-step input: a value that varies over time, fed as [T, B, ...]. */
    INPUT(0, 0),
    /** Static input: one value per run (per sequence when it has a B axis), e.g. an initial state. */
    STATIC_INPUT(0, 0),
    /** Trainable parameter (static, no batch axis). */
    PARAM(0, 0),
    /** Constant filled with attribute {@code value}. */
    CONST(0, 0),
    /** a[..., K] × b[K, N] → [..., N]; with {@code transpose_b=true}, b is [N, K] (PyTorch's layout). */
    MATMUL(2, 2),
    ADD(2, 2),
    SUB(2, 2),
    MUL(2, 2),
    /** a / b, with NumPy broadcasting. */
    DIV(2, 2),
    NEG(1, 1),
    SIGMOID(1, 1),
    TANH(1, 1),
    RELU(1, 1),
    EXP(1, 1),
    LOG(1, 1),
    /** 1 where x > 0, else 0: the derivative of relu (its own derivative is zero). */
    STEP(1, 1),
    /** Joins its operands along the last axis. */
    CONCAT(1, Integer.MAX_VALUE),
    /** Features [start, end) of the last axis. */
    SLICE(1, 1),
    /** Entry {@code index} of the first axis: [N, ...] → [...]. */
    SELECT(1, 1),
    /** Stacks its operands along a new first axis: n × [...] → [n, ...]. */
    PACK(1, Integer.MAX_VALUE),
    /** embedding(ids[...] i32, table[V, E]) → [..., E]. */
    EMBEDDING(2, 2),
    SOFTMAX(1, 1),
    LOG_SOFTMAX(1, 1),
    /** cross_entropy(logits[..., V], targets[...] i32 [, mask[...]]) → [...]: −log softmax at the target, times the mask. */
    CROSS_ENTROPY(2, 3),
    /** Sum over each sequence's own steps: per-step → static. */
    SUM_TIME(1, 1),
    /** Value at each sequence's own last step (len − 1): per-step → static. */
    LAST_STEP(1, 1),
    /** Value at step 0 (the final state of a reverse recurrence): per-step → static. */
    FIRST_STEP(1, 1),
    /** All steps as one static tensor [T, ...], zero past each sequence's end; f32 or i32. */
    STACK_TIME(1, 1),
    /** Sum over the fixed-size axis {@code axis}, kept with size 1: [..., n, ...] → [..., 1, ...]. */
    SUM_AXIS(1, 1),
    /** Sum over the batch's sequences of a static value, its B axis removed: [.., B, ..] → [.., ..]. */
    SUM_BATCH(1, 1),
    /** A static value without B, the same for every sequence: B inserted at position {@code axis}. */
    BROADCAST_BATCH(1, 1),
    /** A static [B, ...] value at every step of each sequence on time axis {@code time}: static → per-step. */
    BROADCAST_TIME(1, 1),
    /** Entry t of a static [T, B, ...] value at step t on time axis {@code time}: the inverse of stack_time. */
    UNSTACK_TIME(1, 1),
    /** a[..., M]ᵀ × b[..., N] → [M, N], summed over every leading position (steps and sequences too): static operands. */
    MATMUL_TN(2, 2),
    /** scatter_add(ids[...] i32, values[..., E]) → [rows, E]: each values row added into row ids of zeros; static operands. */
    SCATTER_ADD(2, 2),
    /** cross_entropy_grad(logits[..., V], targets[...] i32, g[...]) → [..., V]: g · (softmax(logits) − onehot(targets)). */
    CROSS_ENTROPY_GRAD(3, 3);

    /** Ops with no operands: the graph's leaves. */
    public static final Set<Op> SOURCES = EnumSet.of(INPUT, STATIC_INPUT, PARAM, CONST);
    /** One operand, applied element by element. */
    public static final Set<Op> UNARY = EnumSet.of(NEG, SIGMOID, TANH, RELU, EXP, LOG, STEP);
    /** Two operands with NumPy broadcasting. */
    public static final Set<Op> BINARY = EnumSet.of(ADD, SUB, MUL, DIV);
    /** Turn a per-step value into a static one. */
    public static final Set<Op> TIME_REDUCTIONS = EnumSet.of(SUM_TIME, LAST_STEP, FIRST_STEP, STACK_TIME);
    /** Sum over the batch's sequences wherever an operand has the B axis and the result has not. */
    public static final Set<Op> BATCH_REDUCTIONS = EnumSet.of(SUM_BATCH, MATMUL_TN, SCATTER_ADD);
    /** Turn a static value into a per-step one on the time axis named by attribute {@code time}. */
    public static final Set<Op> TIME_EXPANSIONS = EnumSet.of(BROADCAST_TIME, UNSTACK_TIME);

    private final int minOperands;
    private final int maxOperands;

    Op(int minOperands, int maxOperands) {
        this.minOperands = minOperands;
        this.maxOperands = maxOperands;
    }

    public int minOperands() {
        return minOperands;
    }

    public int maxOperands() {
        return maxOperands;
    }

    /** The op's name in the text form, e.g. {@code log_softmax}. */
    public String textName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The op named {@code text} in the text form, or null. */
    public static Op fromText(String text) {
        for (Op op : values()) {
            if (op.textName().equals(text)) {
                return op;
            }
        }
        return null;
    }

    public boolean isSource() {
        return SOURCES.contains(this);
    }

    public boolean isTimeReduction() {
        return TIME_REDUCTIONS.contains(this);
    }

    public boolean isTimeExpansion() {
        return TIME_EXPANSIONS.contains(this);
    }
}
