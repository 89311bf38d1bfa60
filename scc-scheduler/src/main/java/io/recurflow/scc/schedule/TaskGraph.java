package io.recurflow.scc.schedule;

import io.recurflow.ir.Node;
import io.recurflow.ir.Op;
import io.recurflow.scc.Component;
import io.recurflow.scc.GraphView;
import io.recurflow.scc.SccResult;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeSet;

/**
 * The tasks of one run over T steps and S streams and the dependencies between them, derived edge
 * by edge from an {@link SccResult} with each edge's delay, so a task waits only for the producer
 * steps it reads (the wavefront); task ids are a topological order.
 *
 * <p>Tasks per component (see {@link Task}): none for a source (input, static input, parameter,
 * constant), whose data the lowering writes before any task runs; one per stream for a static
 * component; for a batched per-step component one over all steps, or {@link TaskOptions#chunks()}
 * contiguous step ranges when a per-step producer delivers step by step (a recurrent or chunked
 * component: only then can a chunk start before the producer ends); for a recurrent component one per
 * step, or per k = min({@link TaskOptions#stepsPerTask()}, {@link #stepWindow window}) steps, in the
 * component's direction; a {@link TaskOptions#whole() whole} recurrent component (a kernel that loops
 * over the steps itself) one task over all steps, or one per chunk of steps as for batched work, so that the work downstream of a chunk can start while the next chunk runs (the wavefront). A component with a node that has no batch axis (a value derived from
 * parameters only, or one picking a single sequence) cannot be split by rows: it gets one task for all
 * streams ({@link Task#ALL_STREAMS}), which waits for the producers of every stream and which every
 * stream's consumers wait for; so does a component named in {@link TaskOptions#shared()}. Otherwise
 * the S streams' tasks are disjoint copies.
 *
 * <p>A task X at steps [from, to] reading, through an edge of delay d, a per-step producer depends on
 * the producer's tasks (same stream, or the shared one) covering [from − d, to − d] ∩ [0, T); a time
 * reduction depends on every step of its producer, except {@code first_step}, which reads step 0; a
 * read of a static producer depends on its task, and an initial value (the init edge of an operand of
 * delay d) only where X covers a step t &lt; d or d &lt; 0 (a reverse read leaves each sequence at its
 * own length, so any step may read it).
 */
public final class TaskGraph {
    private final SccResult scc;
    private final int steps;
    private final int streams;
    private final TaskOptions options;
    private final List<Task> tasks;
    private final List<List<Integer>> predecessors;
    private final List<List<Integer>> successors;
    /** component → stream slot (0 when shared) → step (0 for a static task) → task id; null: no tasks. */
    private final int[][][] lookup;
    private final boolean[] shared;
    private final int[] window;

    private TaskGraph(SccResult scc, int steps, int streams, TaskOptions options) {
        this.scc = scc;
        this.steps = steps;
        this.streams = streams;
        this.options = options;
        int c = scc.size();
        this.lookup = new int[c][][];
        this.shared = new boolean[c];
        this.window = new int[c];
        List<Task> all = new ArrayList<>();
        boolean[] stepwise = new boolean[c];
        for (Component comp : scc.components()) {
            int i = comp.index();
            window[i] = comp.isRecurrent() ? innerWindow(comp) : 0;
            if (isSource(comp)) {
                continue;
            }
            shared[i] = options.shared().contains(i) || comp.nodes().stream().map(scc.graph()::node)
                    .anyMatch(n -> n.shape() == null || !n.shape().hasBatch());
            List<int[]> ranges = ranges(comp, stepwise);
            stepwise[i] = !comp.isStatic() && ranges.size() > 1;
            int direction = comp.isStatic() ? 0 : comp.kind().stepDirection();
            int slots = shared[i] ? 1 : streams;
            lookup[i] = new int[slots][comp.isStatic() ? 1 : steps];
            for (int slot = 0; slot < slots; slot++) {
                for (int[] r : ranges) {
                    Task t = new Task(all.size(), shared[i] ? Task.ALL_STREAMS : slot, i, r[0], r[1], direction);
                    all.add(t);
                    if (t.isStatic()) {
                        lookup[i][slot][0] = t.id();
                    } else {
                        for (int s = r[0]; s <= r[1]; s++) {
                            lookup[i][slot][s] = t.id();
                        }
                    }
                }
            }
        }
        this.tasks = List.copyOf(all);
        List<List<Integer>> pred = new ArrayList<>();
        List<List<Integer>> succ = new ArrayList<>();
        for (Task t : tasks) {
            List<Integer> p = List.copyOf(dependencies(t));
            if (!p.isEmpty() && p.get(p.size() - 1) >= t.id()) {
                throw new IllegalStateException("task " + t.label() + " depends on a later task " + p);
            }
            pred.add(p);
            succ.add(new ArrayList<>());
        }
        for (Task t : tasks) {
            for (int p : pred.get(t.id())) {
                succ.get(p).add(t.id());
            }
        }
        this.predecessors = pred;
        this.successors = succ.stream().map(Collections::unmodifiableList).toList();
    }

    /**
     * The tasks of {@code scc} for a run of {@code steps} steps with the batch of {@code opts} split
     * into {@code streams} independent groups of rows.
     */
    public static TaskGraph build(SccResult scc, int steps, int streams, TaskOptions opts) {
        if (steps < 1 || streams < 1) {
            throw new IllegalArgumentException("steps and streams must be at least 1, not " + steps + " and " + streams);
        }
        if (streams > opts.batch()) {
            throw new IllegalArgumentException(streams + " streams need a batch of at least " + streams + ", not "
                    + opts.batch());
        }
        return new TaskGraph(scc, steps, streams, opts);
    }

    /** Default options at batch {@code streams}: one sequence per stream. */
    public static TaskGraph build(SccResult scc, int steps, int streams) {
        return build(scc, steps, streams, TaskOptions.DEFAULT.withBatch(streams));
    }

    private boolean isSource(Component comp) {
        return comp.nodes().stream().allMatch(id -> scc.graph().node(id).op().isSource());
    }

    /**
     * The smallest |delay| of a delayed edge inside a recurrent component. Steps closer together than
     * that are linked inside the component by same-step edges only, which are acyclic, so each node
     * can be launched once over all of a task's steps. The in-flight count (the smallest total around
     * a cycle) would not do: with h → a at delay 2 and a → h at delay 1 it is 3, yet h at step 2
     * needs a at step 1, which needs h at step −1 — launching either node over steps 0..2 first breaks.
     */
    private int innerWindow(Component comp) {
        int best = Integer.MAX_VALUE;
        for (int id : comp.nodes()) {
            for (GraphView.Edge e : scc.view().incoming(id)) {
                if (e.isDelayed() && comp.contains(e.source())) {
                    best = Math.min(best, Math.abs(e.delay()));
                }
            }
        }
        return best;
    }

    /** The step ranges of a component's tasks in run order; {NO_STEP, NO_STEP} for a static one. */
    private List<int[]> ranges(Component comp, boolean[] stepwise) {
        List<int[]> r = new ArrayList<>();
        if (comp.isStatic()) {
            r.add(new int[] {Task.NO_STEP, Task.NO_STEP});
        } else if (comp.isRecurrent() && options.whole().contains(comp.index())) {
            // one task per chunk, each a kernel looping over its steps; the chunks of batched work's bounds
            r.addAll(chunks(Math.min(options.chunks(), steps)));
            if (comp.kind().stepDirection() < 0) {
                Collections.reverse(r);
            }
        } else if (comp.isRecurrent()) {
            int k = Math.min(options.stepsPerTask(), window[comp.index()]);
            if (comp.kind().stepDirection() > 0) {
                for (int a = 0; a < steps; a += k) {
                    r.add(new int[] {a, Math.min(a + k, steps) - 1});
                }
            } else {
                for (int b = steps - 1; b >= 0; b -= k) {
                    r.add(new int[] {Math.max(b - k + 1, 0), b});
                }
            }
        } else {
            r.addAll(chunks(fedStepwise(comp, stepwise) ? Math.min(options.chunks(), steps) : 1));
        }
        return r;
    }

    /** The steps cut into {@code n} contiguous ranges of nearly equal length, in order. */
    private List<int[]> chunks(int n) {
        List<int[]> r = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            r.add(new int[] {i * steps / n, (i + 1) * steps / n - 1});
        }
        return r;
    }

    private boolean fedStepwise(Component comp, boolean[] stepwise) {
        for (int id : comp.nodes()) {
            for (GraphView.Edge e : scc.view().incoming(id)) {
                if (stepwise[scc.componentOf(e.source()).index()]) {
                    return true;
                }
            }
        }
        return false;
    }

    private TreeSet<Integer> dependencies(Task x) {
        TreeSet<Integer> pre = new TreeSet<>();
        for (int v : scc.component(x.component()).nodes()) {
            Node user = scc.graph().node(v);
            for (GraphView.Edge e : scc.view().incoming(v)) {
                Component producer = scc.componentOf(e.source());
                int p = producer.index();
                if (lookup[p] == null) {
                    continue; // a source: written before the run
                }
                List<Integer> slots = new ArrayList<>();
                if (shared[p]) {
                    slots.add(0);
                } else if (x.isShared()) {
                    for (int s = 0; s < streams; s++) {
                        slots.add(s);
                    }
                } else {
                    slots.add(x.stream());
                }
                if (producer.isStatic()) {
                    if (e.init() && !x.isStatic()) {
                        int d = user.operand(e.operand()).delay();
                        if (d > 0 && x.from() >= d) {
                            continue; // every step of x reads inside the sequence, never the initial value
                        }
                    }
                    for (int slot : slots) {
                        pre.add(lookup[p][slot][0]);
                    }
                    continue;
                }
                int lo;
                int hi;
                if (user.isStatic()) {
                    lo = 0;
                    hi = user.op() == Op.FIRST_STEP ? 0 : steps - 1;
                } else {
                    lo = Math.max(0, x.from() - e.delay());
                    hi = Math.min(steps - 1, x.to() - e.delay());
                }
                for (int slot : slots) {
                    for (int t = lo; t <= hi; t++) {
                        int id = lookup[p][slot][t];
                        if (id != x.id()) {
                            pre.add(id);
                        }
                    }
                }
            }
        }
        return pre;
    }

    /** The analysis the tasks come from. */
    public SccResult scc() {
        return scc;
    }

    /** The sequence length T the tasks cover. */
    public int steps() {
        return steps;
    }

    /** The number S of streams the batch is split into. */
    public int streams() {
        return streams;
    }

    /** The batch size B (all streams together). */
    public int batch() {
        return options.batch();
    }

    public TaskOptions options() {
        return options;
    }

    /** Every task, by id. */
    public List<Task> tasks() {
        return tasks;
    }

    public int size() {
        return tasks.size();
    }

    public Task task(int id) {
        return tasks.get(id);
    }

    /** The tasks {@code id} waits for, ascending. */
    public List<Integer> predecessors(int id) {
        return predecessors.get(id);
    }

    /** The tasks waiting for {@code id}, ascending. */
    public List<Integer> successors(int id) {
        return successors.get(id);
    }

    /** The number of dependencies (edges) between tasks. */
    public int dependencyCount() {
        int n = 0;
        for (List<Integer> p : predecessors) {
            n += p.size();
        }
        return n;
    }

    public Component component(Task t) {
        return scc.component(t.component());
    }

    /** Whether component {@code index} has tasks (false for a source). */
    public boolean hasTasks(int index) {
        return lookup[index] != null;
    }

    /** Whether component {@code index} has one task for all streams rather than one per stream. */
    public boolean isShared(int index) {
        return shared[index];
    }

    /**
     * The most steps one task of recurrent component {@code index} may cover (the smallest delay on
     * an edge inside it); 0 for a batched component.
     */
    public int stepWindow(int index) {
        return window[index];
    }

    /**
     * The tasks of component {@code index} for {@code stream}, in run order; a shared component's
     * tasks serve every stream and are returned whatever stream is asked.
     */
    public List<Task> tasksOf(int stream, int index) {
        List<Task> r = new ArrayList<>();
        if (lookup[index] == null) {
            return r;
        }
        int want = shared[index] ? Task.ALL_STREAMS : stream;
        for (Task t : tasks) {
            if (t.component() == index && t.stream() == want) {
                r.add(t);
            }
        }
        return r;
    }

    /** The task of component {@code index} and {@code stream} covering {@code step} (ignored when static), or null. */
    public Task taskAt(int stream, int index, int step) {
        if (lookup[index] == null) {
            return null;
        }
        int slot = shared[index] ? 0 : stream;
        if (slot < 0 || slot >= lookup[index].length) {
            throw new IllegalArgumentException("component C" + index + " has no stream " + stream);
        }
        int[] bySteps = lookup[index][slot];
        if (bySteps.length == 1 && tasks.get(bySteps[0]).isStatic()) {
            return tasks.get(bySteps[0]);
        }
        return step >= 0 && step < steps ? tasks.get(bySteps[step]) : null;
    }

    /**
     * The first batch row of {@code stream}: streams split B rows into S contiguous groups, stream s
     * holding rows [⌊s·B/S⌋, ⌊(s+1)·B/S⌋); {@link Task#ALL_STREAMS} starts at row 0.
     */
    public int firstRow(int stream) {
        return stream == Task.ALL_STREAMS ? 0 : checkStream(stream) * batch() / streams;
    }

    /** The number of batch rows of {@code stream} (B for {@link Task#ALL_STREAMS}). */
    public int rowCount(int stream) {
        if (stream == Task.ALL_STREAMS) {
            return batch();
        }
        return (checkStream(stream) + 1) * batch() / streams - firstRow(stream);
    }

    private int checkStream(int stream) {
        if (stream < 0 || stream >= streams) {
            throw new IllegalArgumentException("no stream " + stream + " of " + streams);
        }
        return stream;
    }

    /** Every task's cost under {@code model}, by id (checked finite and non-negative). */
    public double[] costs(CostModel model) {
        double[] r = new double[tasks.size()];
        for (Task t : tasks) {
            double c = model.taskCost(this, t);
            if (!(c >= 0) || Double.isInfinite(c)) {
                throw new IllegalArgumentException("cost model " + model + " gives task " + t.label() + " cost " + c);
            }
            r[t.id()] = c;
        }
        return r;
    }

    /** One line per task: {@code #4 C3 s0 t1 <- #2 #3}. */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        for (Task t : tasks) {
            sb.append('#').append(t.id()).append(' ').append(t.label());
            if (!predecessors.get(t.id()).isEmpty()) {
                sb.append(" <-");
                for (int p : predecessors.get(t.id())) {
                    sb.append(" #").append(p);
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "TaskGraph " + scc.graph().name() + " (" + tasks.size() + " tasks, T=" + steps + ", S=" + streams + ")";
    }
}
