package io.recurflow.runtime.program;

import static io.recurflow.runtime.program.TestPrograms.b;
import static io.recurflow.runtime.program.TestPrograms.buf;
import static io.recurflow.runtime.program.TestPrograms.f;
import static io.recurflow.runtime.program.TestPrograms.fill;
import static io.recurflow.runtime.program.TestPrograms.i;
import static io.recurflow.runtime.program.TestPrograms.read;
import static io.recurflow.runtime.program.TestPrograms.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.runtime.program.BufferSpec.Role;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgramPrinterTest {
    static Program twoQueues() {
        return TestPrograms.program("vadd_scale",
                List.of(buf(0, "x", 64, Role.INPUT), buf(1, "w", 64, Role.PARAM), buf(2, "t", 64, Role.TEMP),
                        buf(3, "y", 64, Role.OUTPUT)),
                List.of(write(1, "w", 0)),
                List.of(write(0, "x", 0),
                        fill(2, 0.5f, 0),
                        new Instr.Launch(0, List.of(b(0), b(1), b(2), i(16)), new long[] {16}, null, 0, List.of(), 0, "sum"),
                        new Instr.Launch(1, List.of(b(2), b(3), f(0.25f), i(16)), new long[] {16, 2}, new long[] {4, 1}, 1,
                                List.of(0), 1, "scale\nit"),
                        read(3, "y", 1)),
                2);
    }

    @Test
    void listsEverything() {
        Program p = twoQueues();
        String expected = "program vadd_scale: 2 queues, source " + p.source().length() + " bytes sha256 "
                + p.sourceSha256().substring(0, 16) + "\n"
                + "buffers:\n"
                + "  b0 x 64 bytes INPUT\n"
                + "  b1 w 64 bytes PARAM\n"
                + "  b2 t 64 bytes TEMP\n"
                + "  b3 y 64 bytes OUTPUT\n"
                + "kernels:\n"
                + "  k0 vadd(buffer, buffer, buffer, int)\n"
                + "  k1 scale(buffer, buffer, float, int)\n"
                + "setup:\n"
                + "  write b1 <- \"w\" on q0\n"
                + "run:\n"
                + "  write b0 <- \"x\" on q0\n"
                + "  fill b2 = 0.5 on q0\n"
                + "  launch k0 vadd(b0, b1, b2, i:16) global=[16] local=- on q0 -> e0  # sum\n"
                + "  launch k1 scale(b2, b3, f:0.25, i:16) global=[16,2] local=[4,1] on q1 wait [e0] -> e1  # scale it\n"
                + "  read b3 -> \"y\" on q1\n";
        assertEquals(expected, ProgramPrinter.print(p));
        assertEquals(ProgramPrinter.print(p), ProgramPrinter.print(twoQueues()), "deterministic");
    }

    @Test
    void hashIsTheSourceSha256() {
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Program.sha256(""));
        assertEquals(64, twoQueues().sourceSha256().length());
    }

    @Test
    void printsInvalidProgramsToo() {
        Program p = TestPrograms.withRun(twoQueues(), 2,
                new Instr.Launch(7, List.of(b(9)), new long[] {0}, null, 5, List.of(42), -1, null));
        String listing = ProgramPrinter.print(p);
        assertTrue(listing.contains("  launch k7 ?(b9) global=[0] local=- on q5 wait [e42]\n"), listing);
    }

    @Test
    void emptyListsSayNone() {
        Program p = new Program("empty", "__kernel void k() {}", List.of(), List.of(), List.of(), List.of(), 1);
        assertTrue(ProgramPrinter.print(p).endsWith("buffers:\nkernels:\nsetup:\n  (none)\nrun:\n  (none)\n"), ProgramPrinter.print(p));
    }

    /** The same program with its kernels listed, and placed in the source, in the other order. */
    static Program kernelsSwapped(Program p, String name) {
        String source = TestPrograms.VADD_SCALE.substring(TestPrograms.VADD_SCALE.indexOf("__kernel void scale"))
                + TestPrograms.VADD_SCALE.substring(0, TestPrograms.VADD_SCALE.indexOf("__kernel void scale"));
        List<KernelSpec> kernels = List.of(new KernelSpec(0, "scale", TestPrograms.SCALE.params()),
                new KernelSpec(1, "vadd", TestPrograms.VADD.params()));
        java.util.function.UnaryOperator<List<Instr>> renumber = instrs -> instrs.stream().map(in -> {
            if (!(in instanceof Instr.Launch l)) {
                return in;
            }
            return (Instr) new Instr.Launch(1 - l.kernel(), l.args(), l.global(), l.local(), l.queue(), l.waits(),
                    l.event(), "another label");
        }).toList();
        return new Program(name, source, p.buffers(), kernels, renumber.apply(p.setup()), renumber.apply(p.run()),
                p.queues());
    }

    @Test
    void theCanonicalFormIgnoresNamesKernelOrderAndLabelsButNotWhatRuns() {
        Program p = twoQueues();
        Program swapped = kernelsSwapped(p, "another_name");
        assertTrue(!p.source().equals(swapped.source()) && !print(p).equals(print(swapped)));
        assertEquals(ProgramPrinter.canonical(p), ProgramPrinter.canonical(swapped));
        // one argument, one launch size, or one kernel's code changed: not the same program
        Instr.Launch sum = (Instr.Launch) p.run().get(2);
        Program otherArg = TestPrograms.withRun(p, 2, new Instr.Launch(0, List.of(b(0), b(1), b(2), i(8)), sum.global(),
                sum.local(), sum.queue(), sum.waits(), sum.event(), sum.label()));
        Program otherSize = TestPrograms.withRun(p, 2, new Instr.Launch(0, sum.args(), new long[] {32}, sum.local(),
                sum.queue(), sum.waits(), sum.event(), sum.label()));
        Program otherCode = new Program(p.name(), p.source().replace("s * x[i]", "s * x[i] + 1.0f"), p.buffers(),
                p.kernels(), p.setup(), p.run(), p.queues());
        for (Program q : List.of(otherArg, otherSize, otherCode)) {
            assertTrue(!ProgramPrinter.canonical(p).equals(ProgramPrinter.canonical(q)), ProgramPrinter.print(q));
        }
    }

    private static String print(Program p) {
        return ProgramPrinter.print(p);
    }
}
