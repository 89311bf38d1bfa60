package io.recurflow.runtime.program;

import static io.recurflow.runtime.program.TestPrograms.b;
import static io.recurflow.runtime.program.TestPrograms.buf;
import static io.recurflow.runtime.program.TestPrograms.f;
import static io.recurflow.runtime.program.TestPrograms.fill;
import static io.recurflow.runtime.program.TestPrograms.i;
import static io.recurflow.runtime.program.TestPrograms.read;
import static io.recurflow.runtime.program.TestPrograms.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.runtime.program.BufferSpec.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class ProgramVerifierTest {
    /** Valid: x, w -> t on q0 (event e0); t -> y on q1 after e0; y read on q1. */
    static Program base() {
        return ProgramPrinterTest.twoQueues();
    }

    private static Instr.Launch launch(int k, List<Arg> args, long[] g, long[] l, int q, List<Integer> waits, int event) {
        return new Instr.Launch(k, args, g, l, q, waits, event, null);
    }

    private static final List<Arg> VADD_ARGS = List.of(b(0), b(1), b(2), i(16));

    private static Program run(Instr... instrs) {
        Program p = base();
        return new Program(p.name(), p.source(), p.buffers(), p.kernels(), p.setup(), List.of(instrs), p.queues());
    }

    private static Program setRun(int index, Instr in) {
        return TestPrograms.withRun(base(), index, in);
    }

    private static Program edit(UnaryOperator<List<BufferSpec>> buffers) {
        Program p = base();
        return new Program(p.name(), p.source(), buffers.apply(new ArrayList<>(p.buffers())), p.kernels(), p.setup(), p.run(),
                p.queues());
    }

    static Stream<Arguments> rejects() {
        Program p = base();
        return Stream.of(
                Arguments.of("kernel id out of range", setRun(2, launch(2, VADD_ARGS, new long[] {16}, null, 0, List.of(), 0)),
                        "run[2] launch k2: kernel id out of range [0, 2)"),
                Arguments.of("too few args", setRun(2, launch(0, List.of(b(0), b(1), b(2)), new long[] {16}, null, 0, List.of(), 0)),
                        "run[2] launch k0 vadd: 3 arguments, the kernel takes 4"),
                Arguments.of("arg kind", setRun(2, launch(0, List.of(b(0), b(1), b(2), f(16)), new long[] {16}, null, 0, List.of(), 0)),
                        "argument 3 is FLOAT, parameter 3 is INT"),
                Arguments.of("buffer arg out of range", setRun(2, launch(0, List.of(b(0), b(1), b(7), i(16)), new long[] {16}, null, 0,
                        List.of(), 0)), "run[2] launch k0 vadd: buffer b7 out of range [0, 4)"),
                Arguments.of("global zero", setRun(2, launch(0, VADD_ARGS, new long[] {0}, null, 0, List.of(), 0)),
                        "global size [0] is not positive"),
                Arguments.of("global 4-D", setRun(2, launch(0, VADD_ARGS, new long[] {1, 1, 1, 16}, null, 0, List.of(), 0)),
                        "global size has 4 dimensions"),
                Arguments.of("local does not divide", setRun(2, launch(0, VADD_ARGS, new long[] {16}, new long[] {5}, 0, List.of(), 0)),
                        "local size [5] does not divide global size [16]"),
                Arguments.of("local dims", setRun(2, launch(0, VADD_ARGS, new long[] {16}, new long[] {4, 1}, 0, List.of(), 0)),
                        "local size [4,1] has 2 dimensions, global [16] has 1"),
                Arguments.of("local zero", setRun(2, launch(0, VADD_ARGS, new long[] {16}, new long[] {0}, 0, List.of(), 0)),
                        "local size [0] is not positive"),
                Arguments.of("queue out of range", setRun(0, write(0, "x", 2)), "run[0] write b0: queue q2 is not in [0, 2)"),
                Arguments.of("wait on undefined event", setRun(3, launch(1, List.of(b(2), b(3), f(1), i(16)), new long[] {16}, null, 1,
                        List.of(9), 1)), "run[3] launch k1 scale: waits on e9, which no earlier launch defines"),
                Arguments.of("wait before definition", run(write(0, "x", 0),
                        launch(1, List.of(b(2), b(3), f(1), i(16)), new long[] {16}, null, 1, List.of(0), 1),
                        launch(0, VADD_ARGS, new long[] {16}, null, 0, List.of(), 0)),
                        "run[1] launch k1 scale: waits on e0, which no earlier launch defines"),
                Arguments.of("wait on own event", setRun(2, launch(0, VADD_ARGS, new long[] {16}, null, 0, List.of(0), 0)),
                        "waits on its own event e0"),
                Arguments.of("wait twice", setRun(3, launch(1, List.of(b(2), b(3), f(1), i(16)), new long[] {16}, null, 1,
                        List.of(0, 0), 1)), "waits on e0 twice"),
                Arguments.of("event defined twice", setRun(3, launch(1, List.of(b(2), b(3), f(1), i(16)), new long[] {16}, null, 1,
                        List.of(0), 0)), "run[3] launch k1 scale: event e0 is already defined by launch [2]"),
                Arguments.of("event below -1", setRun(2, launch(0, VADD_ARGS, new long[] {16}, null, 0, List.of(), -2)),
                        "event -2 is negative"),
                Arguments.of("write names no host", setRun(0, write(0, " ", 0)), "run[0] write b0 names no host array"),
                Arguments.of("write out of range", setRun(0, write(4, "x", 0)), "run[0] write: buffer b4 out of range [0, 4)"),
                Arguments.of("read names no host", setRun(4, read(3, null, 1)), "run[4] read b3 names no host array"),
                Arguments.of("read out of range", setRun(4, read(-1, "y", 1)), "run[4] read: buffer b-1 out of range"),
                Arguments.of("fill out of range", setRun(1, fill(8, 0, 0)), "run[1] fill: buffer b8 out of range"),
                Arguments.of("read twice into one host array", run(write(0, "x", 0),
                        launch(0, VADD_ARGS, new long[] {16}, null, 0, List.of(), 0), read(2, "y", 0), read(0, "y", 0)),
                        "run[3] read b0: host array \"y\" is already read by an earlier instruction"),
                Arguments.of("read in setup", new Program(p.name(), p.source(), p.buffers(), p.kernels(), List.of(read(1, "w", 0)),
                        p.run(), 2), "setup[0] read b1: setup cannot read buffers back"),
                Arguments.of("read not ordered after the launch on another queue", setRun(4, read(3, "y", 0)),
                        "run[4] read b3 on q0 is not ordered after run[3] launch k1 scale on q1, which also uses b3 'y'"),
                Arguments.of("write not ordered before a launch on another queue", run(write(2, "t", 1),
                        launch(0, VADD_ARGS, new long[] {16}, null, 0, List.of(), 0)),
                        "run[1] launch k0 vadd on q0 is not ordered after run[0] write b2 on q1"),
                Arguments.of("no queues", new Program(p.name(), p.source(), p.buffers(), p.kernels(), List.of(), List.of(), 0),
                        "queues is 0, must be at least 1"),
                Arguments.of("buffer id not its position", edit(bs -> {
                    bs.set(2, buf(5, "t", 64, Role.TEMP));
                    return bs;
                }), "buffer t at position 2 has id 5"),
                Arguments.of("buffer name used twice", edit(bs -> {
                    bs.set(2, buf(2, "x", 64, Role.TEMP));
                    return bs;
                }), "buffer b2: the name 'x' is used by an earlier buffer"),
                Arguments.of("fill of a partial float", edit(bs -> {
                    bs.set(2, buf(2, "t", 62, Role.TEMP));
                    return bs;
                }), "run[1] fill b2 't': 62 bytes is not a whole number of 4-byte elements"),
                Arguments.of("bad function name", new Program(p.name(), p.source(), p.buffers(),
                        List.of(TestPrograms.VADD, new KernelSpec(1, "sca le", TestPrograms.SCALE.params())), p.setup(), p.run(), 2),
                        "kernel k1: 'sca le' is not an OpenCL function name"),
                Arguments.of("no name", new Program(" ", p.source(), p.buffers(), p.kernels(), p.setup(), p.run(), 2),
                        "the program has no name"),
                Arguments.of("no source", new Program("n", "", p.buffers(), p.kernels(), p.setup(), p.run(), 2),
                        "the program has no OpenCL source"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejects")
    void rejects(String what, Program p, String expected) {
        ProgramException e = assertThrows(ProgramException.class, () -> ProgramVerifier.verify(p));
        assertTrue(e.problems().stream().anyMatch(s -> s.contains(expected)),
                what + ": expected a problem containing\n  " + expected + "\ngot\n" + e.getMessage() + "\n" + ProgramPrinter.print(p));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void acceptsValidPrograms() {
        assertEquals(List.of(), ProgramVerifier.problems(base()));
        assertEquals(List.of(), ProgramVerifier.problems(TestPrograms.addScale(16, 2f)));
        ProgramVerifier.verify(base());
    }

    @Test
    void orderThroughAnEventChainIsEnough() {
        // write on q0, launch on q0 -> e0, launch on q1 waits e0 and uses the written buffer: ordered through e0
        Program p = run(write(0, "x", 0), launch(0, VADD_ARGS, new long[] {16}, null, 0, List.of(), 0),
                launch(1, List.of(b(0), b(3), f(1), i(16)), new long[] {16}, null, 1, List.of(0), 1), read(3, "y", 1));
        assertEquals(List.of(), ProgramVerifier.problems(p));
    }

    @Test
    void messageNamesTheProgramAndEveryProblem() {
        Program p = run(write(0, "", 3), read(9, "y", 0));
        ProgramException e = assertThrows(ProgramException.class, () -> ProgramVerifier.verify(p));
        assertEquals("vadd_scale", e.programName());
        assertTrue(e.getMessage().startsWith("program 'vadd_scale' is invalid: 3 problems"), e.getMessage());
        assertEquals(3, e.problems().size(), e.getMessage());
        assertTrue(e instanceof IllegalArgumentException);
    }
}
