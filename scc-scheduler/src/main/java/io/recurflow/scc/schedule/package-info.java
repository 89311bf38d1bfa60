/**
 * The {@code scheduled} mode's plan (DESIGN.md, step 4): {@link io.recurflow.scc.schedule.TaskGraph}
 * cuts an SCC result into tasks linked by the delays they read, {@link
 * io.recurflow.scc.schedule.ListScheduler} places them on K in-order queues through a {@link
 * io.recurflow.scc.schedule.CostModel}, {@link io.recurflow.scc.schedule.ScheduleVerifier} proves the
 * resulting {@link io.recurflow.scc.schedule.Schedule} correct, and {@link
 * io.recurflow.scc.schedule.SchedulePrinter} and {@link io.recurflow.scc.schedule.ScheduleDot} show it.
 *
 * <h2>Contract for the lowering</h2>
 * <ul>
 * <li><b>A task</b> (stream s, component c, steps from..to, direction) computes every node of c for
 *   the batch rows of s — rows [{@code firstRow(s)}, {@code firstRow(s) + rowCount(s)}) of
 *   {@link io.recurflow.scc.schedule.TaskGraph}, all B rows for {@code Task.ALL_STREAMS} — at every
 *   step of from..to. With the runtime's layout (a per-step value of width F is [T, B, F], row
 *   t·B + b) that is rows t·B + b for those t and b: one contiguous block when S = 1, a strided one
 *   (one block of rowCount(s) rows per step) otherwise. A static node with a batch axis is computed
 *   for the stream's rows of that axis; a node without one (only in shared tasks) entirely.</li>
 * <li><b>Steps inside a task.</b> Batched task: the steps are independent; any order, or one launch
 *   over all of them. Recurrent task: the steps are run in {@code Task.steps()} order (descending
 *   for a reverse component); no two of them are linked except through same-step edges, since a task
 *   covers at most {@code stepWindow(c)} steps, so each node may also be launched once over all of
 *   them, nodes in the order of the component's same-step edges. A read of step t − d outside
 *   [0, len_b) yields the initial value (DESIGN.md); the task graph makes the reading task wait for
 *   the task computing that initial value.</li>
 * <li><b>Sources</b> (inputs, static inputs, parameters, constants) have no task: their buffers
 *   must be written and visible to every queue before the first task runs. Parameters are read-only
 *   and shared by all streams, so they add no dependencies.</li>
 * <li><b>Queues.</b> Lane q is command queue q, in-order; its tasks are enqueued in lane order,
 *   never reordered. For every {@code Schedule.Event(from, to)}, {@code from}'s last launch records
 *   an event and {@code to}'s first launch waits on it (the first suffices: the queue is in order).
 *   Nothing else is needed: the verifier proves that lane order and events order every dependency of
 *   the task graph, transitively. {@code Schedule.enqueueOrder()} gives an order for the host's
 *   enqueue calls in which every event exists before it is waited on.</li>
 * <li><b>Times</b> are predictions in microseconds from the cost model; the lowering needs none of
 *   them.</li>
 * </ul>
 */
package io.recurflow.scc.schedule;
