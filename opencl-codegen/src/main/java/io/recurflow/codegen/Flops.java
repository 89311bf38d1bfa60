package io.recurflow.codegen;

import io.recurflow.ir.Graph;
import io.recurflow.ir.Node;

/** Floating-point operations of one run, counted on the graph (the same for every mode). */
public final class Flops {
    private Flops() {
    }

    /**
     * 2·K·N per row for each matrix product (2·R·M·N for a matmul_tn over R stacked rows), one per element for every other computed node; per-step
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
            } else if (n.op() == io.recurflow.ir.Op.MATMUL_TN) {
                // [M, N] outputs, each a dot product over every leading position of the operands
                Node a = g.node(n.operand(0).source());
                int[] as = a.shape().resolve(batch, steps);
                double rows = 1;
                for (int i = 0; i + 1 < as.length; i++) {
                    rows *= as[i];
                }
                total += 2.0 * rows * elements;
            } else {
                total += elements;
            }
        }
        return total;
    }
}
