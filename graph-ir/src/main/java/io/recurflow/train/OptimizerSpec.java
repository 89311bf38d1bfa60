package io.recurflow.train;

/**
 * An optimizer's settings, with PyTorch's semantics ({@code torch.optim.SGD} with momentum and
 * dampening 0, {@code torch.optim.Adam} without weight decay or amsgrad), plus clipping of the
 * gradients by their global L2 norm before the update ({@code clip_grad_norm_}; 0 = no clipping).
 * The learning rate is not part of it: a {@link LrSchedule} gives it at every step.
 *
 * <p>Per parameter p with gradient g (after clipping: g ← g · min(1, clip / (‖all g‖₂ + 1e-6))):
 * <ul>
 *   <li>SGD: {@code buf ← momentum · buf + g} (buf = g at the first step), {@code p ← p − lr · buf}
 *       (plain {@code p ← p − lr · g} when momentum is 0).</li>
 *   <li>Adam, at step t counted from 1: {@code m ← β1·m + (1−β1)·g}, {@code v ← β2·v + (1−β2)·g²},
 *       {@code p ← p − lr · (m / (1−β1^t)) / (sqrt(v / (1−β2^t)) + eps)}.</li>
 * </ul>
 * Optimizer state is named {@code <param>.momentum} (SGD), {@code <param>.m} and {@code <param>.v}
 * (Adam), each of the parameter's shape; the step count travels separately.
 */
public record OptimizerSpec(Kind kind, double momentum, double beta1, double beta2, double eps, double clipNorm) {

    /** The update rule. */
    public enum Kind { SGD, ADAM }

    public OptimizerSpec {
        if (kind == null) {
            throw new IllegalArgumentException("optimizer kind is missing");
        }
        check("momentum", momentum, 0, 1);
        check("beta1", beta1, 0, 1);
        check("beta2", beta2, 0, 1);
        if (!(eps > 0) || !(clipNorm >= 0)) {
            throw new IllegalArgumentException("optimizer eps must be > 0 and clip norm ≥ 0, got eps=" + eps
                    + ", clip=" + clipNorm);
        }
    }

    private static void check(String what, double v, double lo, double hiExclusive) {
        if (!(v >= lo && v < hiExclusive)) {
            throw new IllegalArgumentException("optimizer " + what + " must be in [" + lo + ", " + hiExclusive
                    + "), got " + v);
        }
    }

    /** SGD with the given momentum (0 for plain SGD). */
    public static OptimizerSpec sgd(double momentum, double clipNorm) {
        return new OptimizerSpec(Kind.SGD, momentum, 0.9, 0.999, 1e-8, clipNorm);
    }

    /** Adam with PyTorch's defaults β1 = 0.9, β2 = 0.999, eps = 1e-8. */
    public static OptimizerSpec adam(double clipNorm) {
        return new OptimizerSpec(Kind.ADAM, 0, 0.9, 0.999, 1e-8, clipNorm);
    }

    /** The state tensors kept per parameter, as name suffixes. */
    public java.util.List<String> stateSuffixes() {
        if (kind == Kind.ADAM) {
            return java.util.List.of(".m", ".v");
        }
        return momentum > 0 ? java.util.List.of(".momentum") : java.util.List.of();
    }
}
