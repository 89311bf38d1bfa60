package io.recurflow.runtime.program;

import static io.recurflow.runtime.program.TestPrograms.buf;
import static io.recurflow.runtime.program.TestPrograms.fill;
import static io.recurflow.runtime.program.TestPrograms.read;
import static io.recurflow.runtime.program.TestPrograms.scale;
import static io.recurflow.runtime.program.TestPrograms.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.recurflow.runtime.program.BufferSpec.Role;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryPlanTest {
    /** x -> t1 -> t2 -> ... -> tk -> y, each step a scale on queue 0; TEMP i has bytes[i-1] bytes. */
    static Program chain(long... tempBytes) {
        int k = tempBytes.length;
        List<BufferSpec> bs = new ArrayList<>();
        bs.add(buf(0, "x", 64, Role.INPUT));
        for (int t = 0; t < k; t++) {
            bs.add(buf(t + 1, "t" + (t + 1), tempBytes[t], Role.TEMP));
        }
        bs.add(buf(k + 1, "y", 64, Role.OUTPUT));
        List<Instr> run = new ArrayList<>();
        run.add(write(0, "x", 0));
        for (int t = 0; t <= k; t++) {
            run.add(scale(t, t + 1, 2f, 16, 0, List.of(), -1));
        }
        run.add(read(k + 1, "y", 0));
        Program p = TestPrograms.program("chain", bs, List.of(), run, 1);
        ProgramVerifier.verify(p);
        return p;
    }

    @Test
    void aChainAlternatesBetweenTwoSlots() {
        Program p = chain(64, 64, 64, 64);
        MemoryPlan plan = MemoryPlan.of(p);
        // t1 dies at the launch that writes t2, so t3 can take t1's place, t4 t2's
        assertEquals(plan.slotOf(1), plan.slotOf(3));
        assertEquals(plan.slotOf(2), plan.slotOf(4));
        assertNotEquals(plan.slotOf(1), plan.slotOf(2));
        assertEquals(4, plan.slots(), plan.toString());
        assertEquals(6 * 64, plan.unsharedBytes());
        assertEquals(4 * 64, plan.plannedBytes());
        // at each launch two TEMP buffers are live, plus x and y
        assertEquals(4 * 64, plan.peakBytes());
        assertEquals(new MemoryReport(256, 384, 256, 4, 6), plan.report());
    }

    @Test
    void inputsParamsAndOutputsAreNeverShared() {
        Program p = chain(64);
        MemoryPlan plan = MemoryPlan.of(p);
        assertEquals(3, plan.slots());
        assertEquals(List.of(0), plan.buffersIn(plan.slotOf(0)));
        assertEquals(List.of(2), plan.buffersIn(plan.slotOf(2)));
    }

    @Test
    void bestFitThenGrow() {
        // t1 (32) and t3 (128) share a slot grown to 128; t2 (64) and t4 (16) share one of 64
        Program p = chain(32, 64, 128, 16);
        MemoryPlan plan = MemoryPlan.of(p);
        assertEquals(plan.slotOf(1), plan.slotOf(3));
        assertEquals(plan.slotOf(2), plan.slotOf(4));
        assertEquals(128, plan.slotBytes(plan.slotOf(3)));
        assertEquals(64, plan.slotBytes(plan.slotOf(4)));
        assertEquals(64 + 64 + 128 + 64, plan.plannedBytes());
    }

    @Test
    void bestFitPrefersTheSmallestSlotThatIsBigEnough() {
        // t1 (100) and t2 (40) die together at [2]; t3 (36) fits both free slots and takes the 40-byte one
        List<BufferSpec> bs = List.of(buf(0, "x", 400, Role.INPUT), buf(1, "t1", 100, Role.TEMP), buf(2, "t2", 40, Role.TEMP),
                buf(3, "t3", 36, Role.TEMP), buf(4, "y", 400, Role.OUTPUT));
        List<Instr> run = List.of(
                TestPrograms.vadd(0, 0, 1, 9, 0, List.of(), -1),
                TestPrograms.vadd(0, 0, 2, 9, 0, List.of(), -1),
                TestPrograms.vadd(1, 2, 4, 9, 0, List.of(), -1),
                scale(0, 3, 2f, 9, 0, List.of(), -1),
                scale(3, 4, 2f, 9, 0, List.of(), -1));
        MemoryPlan plan = MemoryPlan.of(TestPrograms.program("best_fit", bs, List.of(), run, 1));
        assertEquals(plan.slotOf(2), plan.slotOf(3), plan.toString());
        assertEquals(40, plan.slotBytes(plan.slotOf(3)));
        assertEquals(400 + 400 + 100 + 40, plan.plannedBytes());
        assertEquals(400 + 400 + 100 + 40, plan.peakBytes());
    }

    @Test
    void unsharedPlanHasOneSlotPerBuffer() {
        Program p = chain(64, 64, 64, 64);
        MemoryPlan plan = MemoryPlan.unshared(p);
        assertEquals(6, plan.slots());
        assertEquals(plan.unsharedBytes(), plan.plannedBytes());
        assertEquals(MemoryPlan.of(p).peakBytes(), plan.peakBytes(), "the peak belongs to the program, not the plan");
    }

    @Test
    void tempsUsedInSetupKeepTheirOwnSlot() {
        Program c = chain(64, 64, 64, 64);
        Program p = new Program(c.name(), c.source(), c.buffers(), c.kernels(), List.of(fill(1, 1f, 0)), c.run(), 1);
        MemoryPlan plan = MemoryPlan.of(p);
        assertEquals(List.of(1), plan.buffersIn(plan.slotOf(1)));
        assertEquals(plan.slotOf(2), plan.slotOf(4));
    }

    /** Two independent chains x -> a -> y on q0 and x -> b -> z on q1, optionally ordered by an event. */
    static Program twoQueues(boolean ordered) {
        List<BufferSpec> bs = List.of(buf(0, "x", 64, Role.INPUT), buf(1, "a", 64, Role.TEMP), buf(2, "y", 64, Role.OUTPUT),
                buf(3, "b", 64, Role.TEMP), buf(4, "z", 64, Role.OUTPUT));
        List<Instr> run = List.of(
                write(0, "x", 0),
                scale(0, 1, 2f, 16, 0, List.of(), -1),
                scale(1, 2, 2f, 16, 0, List.of(), ordered ? 0 : -1),
                // b's uses start on q1 after a's last use at index 2 (by index), but only the wait orders them
                scale(0, 3, 3f, 16, 1, ordered ? List.of(0) : List.of(), -1),
                scale(3, 4, 3f, 16, 1, List.of(), 1),
                read(2, "y", 0),
                read(4, "z", 1));
        return TestPrograms.program("two_queues", bs, List.of(), run, 2);
    }

    @Test
    void severalQueuesShareOnlyWhenEventsOrderTheUses() {
        Program loose = twoQueues(false);
        // x is written on q0 and used on q1 with no order: the verifier says so; the plan must not share either way
        MemoryPlan free = MemoryPlan.of(loose);
        assertNotEquals(free.slotOf(1), free.slotOf(3), free.toString());
        assertEquals(5 * 64, free.plannedBytes());
        MemoryPlan ordered = MemoryPlan.of(twoQueues(true));
        assertEquals(ordered.slotOf(1), ordered.slotOf(3), ordered.toString());
        assertEquals(4 * 64, ordered.plannedBytes());
    }

    @Test
    void aUseOnAnotherQueueStillLiveBlocksSharing() {
        // a is used on q0 at [1] and [2] -> e0; b is first used on q1 waiting e0; then a is used again on q0 at [4]
        List<BufferSpec> bs = List.of(buf(0, "x", 64, Role.INPUT), buf(1, "a", 64, Role.TEMP), buf(2, "y", 64, Role.OUTPUT),
                buf(3, "b", 64, Role.TEMP), buf(4, "z", 64, Role.OUTPUT));
        List<Instr> run = List.of(
                write(0, "x", 0),
                scale(0, 1, 2f, 16, 0, List.of(), -1),
                scale(1, 2, 2f, 16, 0, List.of(), 0),
                scale(0, 3, 3f, 16, 1, List.of(0), -1),
                scale(1, 2, 2f, 16, 0, List.of(), -1),
                scale(3, 4, 3f, 16, 1, List.of(), -1));
        MemoryPlan plan = MemoryPlan.of(TestPrograms.program("late_use", bs, List.of(), run, 2));
        assertNotEquals(plan.slotOf(1), plan.slotOf(3), plan.toString());
    }

    @Test
    void unusedTempsTakeAnyFreeSlot() {
        List<BufferSpec> bs = List.of(buf(0, "x", 64, Role.INPUT), buf(1, "t", 64, Role.TEMP), buf(2, "y", 64, Role.OUTPUT),
                buf(3, "unused", 32, Role.TEMP));
        List<Instr> run = List.of(scale(0, 1, 2f, 16, 0, List.of(), -1), scale(1, 2, 2f, 16, 0, List.of(), -1));
        MemoryPlan plan = MemoryPlan.of(TestPrograms.program("unused", bs, List.of(), run, 1));
        assertEquals(plan.slotOf(1), plan.slotOf(3));
        assertEquals(3 * 64, plan.plannedBytes());
        assertEquals(3 * 64, plan.peakBytes());
    }
}
