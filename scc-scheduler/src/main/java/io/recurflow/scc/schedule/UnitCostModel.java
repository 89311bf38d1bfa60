package io.recurflow.scc.schedule;

import io.recurflow.ir.Dim;
import io.recurflow.ir.Node;
import io.recurflow.ir.Shape;
import java.util.function.ToDoubleFunction;

/**
 * A cost model with no device behind it, for tests and first estimates: a task costs one launch per
 * node of its component, plus {@code costPerElement} times the elements it computes, where a node
 * computes size(node) elements per batch row of the task's stream and per step it covers.
 */
public final class UnitCostModel implements CostModel {
    private final double launchOverhead;
    private final double eventCost;
    private final double costPerElement;
    private final ToDoubleFunction<Node> size;

    /**
     * {@code size} gives a node's work per batch row and step (the default, {@link #features}, is the
     * product of its fixed axes); times in microseconds.
     */
    public UnitCostModel(double launchOverhead, double eventCost, double costPerElement, ToDoubleFunction<Node> size) {
        if (!(launchOverhead >= 0) || !(eventCost >= 0) || !(costPerElement >= 0)
                || Double.isInfinite(launchOverhead + eventCost + costPerElement)) {
            throw new IllegalArgumentException("costs must be finite and at least 0: launch " + launchOverhead
                    + ", event " + eventCost + ", element " + costPerElement);
        }
        this.launchOverhead = launchOverhead;
        this.eventCost = eventCost;
        this.costPerElement = costPerElement;
        this.size = size;
    }

    public UnitCostModel(double launchOverhead, double eventCost, double costPerElement) {
        this(launchOverhead, eventCost, costPerElement, UnitCostModel::features);
    }

    /** The product of a node's fixed axes (B and T count as 1): its elements per batch row and step. */
    public static double features(Node n) {
        if (n.shape() == null) {
            return 1;
        }
        double r = 1;
        for (Dim d : n.shape().dims()) {
            if (!d.isSymbolic()) {
                r *= d.size();
            }
        }
        return r;
    }

    @Override
    public double taskCost(TaskGraph tasks, Task task) {
        int rows = tasks.rowCount(task.stream());
        double elements = 0;
        int launches = 0;
        for (int id : tasks.scc().component(task.component()).nodes()) {
            Node n = tasks.scc().graph().node(id);
            Shape s = n.shape();
            double perNode = size.applyAsDouble(n);
            if (s == null || s.hasBatch()) {
                perNode *= rows;
            }
            if (n.isPerStep()) {
                perNode *= task.stepCount();
            } else if (s != null && s.dims().contains(Dim.T)) {
                perNode *= tasks.steps(); // a stack over time holds every step
            }
            elements += perNode;
            launches++;
        }
        return launches * launchOverhead + elements * costPerElement;
    }

    @Override
    public double launchOverhead() {
        return launchOverhead;
    }

    @Override
    public double eventCost() {
        return eventCost;
    }

    @Override
    public String toString() {
        return "UnitCostModel(launch " + launchOverhead + " us, event " + eventCost + " us, " + costPerElement
                + " us per element)";
    }
}
