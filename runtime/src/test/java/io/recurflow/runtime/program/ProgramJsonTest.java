package io.recurflow.runtime.program;

import static io.recurflow.runtime.program.TestPrograms.b;
import static io.recurflow.runtime.program.TestPrograms.buf;
import static io.recurflow.runtime.program.TestPrograms.f;
import static io.recurflow.runtime.program.TestPrograms.fill;
import static io.recurflow.runtime.program.TestPrograms.i;
import static io.recurflow.runtime.program.TestPrograms.read;
import static io.recurflow.runtime.program.TestPrograms.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.runtime.program.BufferSpec.Role;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgramJsonTest {
    /** Every instruction and argument kind, a 2-D launch with a local size, odd floats. */
    static Program sample() {
        return new Program("p", TestPrograms.VADD_SCALE,
                List.of(buf(0, "a", 16, Role.PARAM), buf(1, "x", 16, Role.INPUT), buf(2, "t", 16, Role.TEMP),
                        buf(3, "y", 16, Role.OUTPUT)),
                List.of(TestPrograms.VADD, TestPrograms.SCALE),
                List.of(write(0, "a", 0), fill(2, -0.0f, 0)),
                List.of(write(1, "x", 0),
                        new Instr.Launch(0, List.of(b(0), b(1), b(2), i(4)), new long[] {4, 1}, new long[] {2, 1}, 0,
                                List.of(), 3, "add"),
                        new Instr.Launch(1, List.of(b(2), b(3), f(0.1f), i(4)), new long[] {4}, null, 1, List.of(3), -1,
                                "scale"),
                        fill(2, Float.NaN, 1), fill(2, Float.MIN_VALUE, 1), read(3, "y", 1)),
                2);
    }

    @Test
    void roundTripIsExact() {
        Program p = sample();
        String json = ProgramJson.toJson(p);
        Program back = ProgramJson.fromJson(json);
        // the printer shows every field of every instruction, so equal listings mean equal programs
        assertEquals(ProgramPrinter.print(p), ProgramPrinter.print(back));
        assertEquals(p.source(), back.source());
        assertEquals(p.buffers(), back.buffers());
        assertEquals(p.kernels(), back.kernels());
        assertEquals(json, ProgramJson.toJson(back));
        Instr.Launch l = (Instr.Launch) back.run().get(1);
        assertEquals(List.of(2L, 1L), List.of(l.local()[0], l.local()[1]));
        assertEquals(0.1f, ((Arg.Float) ((Instr.Launch) back.run().get(2)).args().get(2)).value());
        assertTrue(Float.isNaN(((Instr.Fill) back.run().get(3)).value()));
        assertEquals(Float.MIN_VALUE, ((Instr.Fill) back.run().get(4)).value());
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(((Instr.Fill) back.setup().get(1)).value()));
    }

    @Test
    void treeWithoutSourceTakesTheSourceBack() {
        Program p = sample();
        var tree = ProgramJson.toTree(p, false);
        assertFalse(tree.has("source"));
        assertEquals(ProgramJson.toJson(p), ProgramJson.toJson(ProgramJson.fromTree(tree, p.source())));
    }

    @Test
    void unknownInstructionIsRefused() {
        String json = ProgramJson.toJson(sample()).replace("\"type\":\"fill\"", "\"type\":\"frobnicate\"");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProgramJson.fromJson(json));
        assertTrue(e.getMessage().contains("frobnicate"), e.getMessage());
    }
}
