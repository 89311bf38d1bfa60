package io.recurflow.codegen;

import io.recurflow.ir.Graph;
import io.recurflow.ir.Node;

/** Floating-point operations of one run, counted on the graph (the same for every mode). */
public final class Flops {
    private Flops() {
    }

    /**
     * 2·K·N per row for each matrix product, one per element for every other computed node; per-step
     * nodes count all T·B rows, static ones their own size.
     */
    public static double perRun(Graph g, int batch, int steps) {
        double total = 0;
        for (Node n : g.nodes()) {
            if (n.op().isSource()) {
                continue;
            }
            int[] shape = n.shape().resolve(batch, steps);
            double elements = 1;
            for (int d : shape) {
                elements *= d;
            }
            if (n.isPerStep()) {
                elements *= steps;
            }
            if (n.op() == io.recurflow.ir.Op.MATMUL) {
                int k = g.node(n.operand(0).source()).shape().features();
                total += 2.0 * k * elements;
            } else {
                total += elements;
            }
        }
        return total;
    }
}
