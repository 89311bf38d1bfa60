package io.recurflow.ir;

import java.util.List;

/**
 * One equation of the per-step computation: {@code name = op(operands) {attrs} : dtype shape @axis}.
 *
 * <p>{@code axis} names the time axis of a per-step node and is null for a static one (parameters,
 * constants, static inputs, time reductions and whatever is computed from static values only).
 */
public record Node(int id, String name, Op op, List<Operand> operands, Attrs attrs, DType dtype, Shape shape,
                   String axis) {
    /** The time axis every per-step node has unless told otherwise. */
    public static final String DEFAULT_AXIS = "t";

    public Node {
        operands = List.copyOf(operands);
        if (attrs == null) {
            attrs = Attrs.EMPTY;
        }
    }

    public boolean isPerStep() {
        return axis != null;
    }

    public boolean isStatic() {
        return axis == null;
    }

    public Operand operand(int i) {
        return operands.get(i);
    }

    public Node withId(int newId) {
        return new Node(newId, name, op, operands, attrs, dtype, shape, axis);
    }

    public Node withOperands(List<Operand> newOperands) {
        return new Node(id, name, op, newOperands, attrs, dtype, shape, axis);
    }

    public Node withName(String newName) {
        return new Node(id, newName, op, operands, attrs, dtype, shape, axis);
    }

    public Node withType(DType newDtype, Shape newShape, String newAxis) {
        return new Node(id, name, op, operands, attrs, newDtype, newShape, newAxis);
    }
}
