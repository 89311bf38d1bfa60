package io.recurflow.codegen;

import java.util.List;
import java.util.Set;

/**
 * One stage of a recurrent component's step: the fused element-wise {@code group} (computed in
 * registers), its {@code outputs} grouped by width (one kernel, or one loop, each), then the
 * stage's {@code others} (GEMMs and row-wise ops) in order.
 */
record Stage(Set<Integer> group, List<List<Integer>> outputs, List<Integer> others) {
}
