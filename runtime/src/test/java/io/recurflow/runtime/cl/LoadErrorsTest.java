package io.recurflow.runtime.cl;

import static io.recurflow.runtime.program.TestPrograms.buf;
import static io.recurflow.runtime.program.TestPrograms.read;
import static io.recurflow.runtime.program.TestPrograms.scale;
import static io.recurflow.runtime.program.TestPrograms.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.runtime.program.Arg.Kind;
import io.recurflow.runtime.program.BufferSpec;
import io.recurflow.runtime.program.BufferSpec.Role;
import io.recurflow.runtime.program.Instr;
import io.recurflow.runtime.program.KernelSpec;
import io.recurflow.runtime.program.Program;
import io.recurflow.runtime.program.ProgramException;
import io.recurflow.runtime.program.TestPrograms;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every failure of a load or a run says what is at fault and leaves no OpenCL object behind. */
class LoadErrorsTest {
    private static final String BROKEN = ""
            + "__kernel void fine(__global float* y) { y[0] = 1.0f; }\n"
            + "__kernel __attribute__((reqd_work_group_size(1, 1, 1))) void broken(__global float* y) {\n"
            + "    y[0] = no_such_variable;\n"
            + "}\n";

    @Test
    void aSourceThatDoesNotCompileSaysWhyAndLeaksNothing() throws Exception {
        DeviceInfo d = ClTestSupport.deviceOrSkip();
        try (Session s = Session.open(d, 1)) {
            LiveObjects.Counts before = LiveObjects.snapshot();
            Program p = new Program("broken_program", BROKEN, List.of(buf(0, "y", 4, Role.OUTPUT)),
                    List.of(new KernelSpec(0, "broken", List.of(Kind.BUFFER))), List.of(),
                    List.of(TestPrograms.launch(0, List.of(TestPrograms.b(0)), 1, 0, List.of(), -1, "x"), read(0, "y", 0)), 1);
            KernelBuildException e = assertThrows(KernelBuildException.class, () -> s.load(p, Map.of()));
            String m = e.getMessage();
            assertTrue(m.contains("'broken_program'"), m);
            assertTrue(m.contains("kernels: fine, broken"), m);
            assertEquals(List.of("fine", "broken"), e.kernelNames());
            assertTrue(m.contains("no_such_variable") && e.buildLog().contains("no_such_variable"), m);
            assertTrue(e.sourceFile() != null && m.contains(e.sourceFile().toString()), m);
            assertTrue(e.sourceFile().getFileName().toString().matches("recurflow-failed-[0-9a-f]{16}\\.cl"), e.sourceFile().toString());
            assertEquals(BROKEN, Files.readString(e.sourceFile()));
            assertEquals(before, LiveObjects.snapshot(), "a failed build releases its program");
            assertEquals(0, s.cachedPrograms());
        }
    }

    @Test
    void aBufferLargerThanTheDeviceAllowsIsRefusedBeforeAllocating() {
        DeviceInfo d = ClTestSupport.deviceOrSkip();
        Session s = Session.shared(d, 1);
        LiveObjects.Counts before = LiveObjects.snapshot();
        long huge = (d.maxAllocBytes() / 4 + 1) * 4;
        Program p = TestPrograms.program("huge", List.of(buf(0, "x", 64, Role.INPUT), buf(1, "activations", huge, Role.TEMP),
                buf(2, "y", 64, Role.OUTPUT)), List.of(), List.of(write(0, "x", 0), scale(0, 1, 1f, 16, 0, List.of(), -1),
                scale(1, 2, 1f, 16, 0, List.of(), -1), read(2, "y", 0)), 1);
        DeviceMemoryException e = assertThrows(DeviceMemoryException.class, () -> s.load(p, Map.of()));
        String m = e.getMessage();
        assertTrue(m.contains("b1 'activations'") && m.contains("program 'huge'"), m);
        assertTrue(m.contains(huge + " bytes"), m);
        assertTrue(m.contains(d.maxAllocBytes() + " bytes") && m.contains(d.globalMemBytes() + " bytes"), m);
        assertEquals(huge, e.bytes());
        assertEquals(d.maxAllocBytes(), e.maxAllocBytes());
        assertEquals(before, LiveObjects.snapshot());
    }

    @Test
    void anAllocationOpenClRefusesBecomesADeviceMemoryException() {
        DeviceInfo d = ClTestSupport.deviceOrSkip();
        LiveObjects.Counts before = LiveObjects.snapshot();
        try (ClContext ctx = ClContext.create(d)) {
            // past the pre-check, straight to clCreateBuffer: OpenCL answers CL_INVALID_BUFFER_SIZE
            long bytes = d.maxAllocBytes() + 4096;
            DeviceMemoryException e = assertThrows(DeviceMemoryException.class,
                    () -> Cl.createBuffer(d, ctx.context, bytes, "buffer b7 'giant'"));
            assertTrue(e.getMessage().startsWith("cannot allocate buffer b7 'giant' of " + bytes + " bytes"), e.getMessage());
            assertTrue(e.getMessage().contains("clCreateBuffer failed with CL_"), e.getMessage());
            assertTrue(e.status() < 0);
        }
        assertEquals(before, LiveObjects.snapshot());
    }

    @Test
    void buffersThatTogetherExceedGlobalMemoryAreRefused() {
        DeviceInfo d = ClTestSupport.deviceOrSkip();
        Session s = Session.shared(d, 1);
        LiveObjects.Counts before = LiveObjects.snapshot();
        long each = d.maxAllocBytes() / 4 * 4;
        int count = (int) (d.globalMemBytes() / each) + 1;
        List<BufferSpec> bs = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            bs.add(buf(k, "p" + k, each, Role.PARAM));
        }
        Program p = TestPrograms.program("too_much", bs, List.of(), List.of(), 1);
        DeviceMemoryException e = assertThrows(DeviceMemoryException.class, () -> s.load(p, Map.of()));
        assertTrue(e.getMessage().contains("the " + count + " buffers of program 'too_much'")
                && e.getMessage().contains("global memory"), e.getMessage());
        assertEquals(before, LiveObjects.snapshot());
    }

    @Test
    void aMissingKernelFunctionIsNamed() {
        DeviceInfo d = ClTestSupport.deviceOrSkip();
        try (Session s = Session.open(d, 1)) {
            LiveObjects.Counts before = LiveObjects.snapshot();
            Program ok = TestPrograms.addScale(4, 1f);
            Program p = new Program("missing", ok.source(), ok.buffers(),
                    List.of(TestPrograms.VADD, new KernelSpec(1, "scale_it", TestPrograms.SCALE.params())), ok.setup(), ok.run(), 1);
            OpenClException e = assertThrows(OpenClException.class, () -> s.load(p, Map.of("w", new float[4])));
            assertTrue(e.getMessage().contains("program 'missing' kernel k1: its source has no kernel 'scale_it' "
                    + "(it declares: vadd, scale)"), e.getMessage());
            // the program built fine and stays cached; kernels made before the failure are released
            assertEquals(1, s.cachedPrograms());
            s.clearProgramCache();
            assertEquals(before, LiveObjects.snapshot());
        }
    }

    @Test
    void aKernelSpecThatDisagreesWithTheSourceIsNamed() {
        Session s = Session.shared(ClTestSupport.deviceOrSkip(), 1);
        LiveObjects.Counts before = LiveObjects.snapshot();
        int cached = s.cachedPrograms();
        Program ok = TestPrograms.addScale(4, 1f);
        KernelSpec three = new KernelSpec(1, "scale", List.of(Kind.BUFFER, Kind.BUFFER, Kind.FLOAT));
        List<Instr> run = new ArrayList<>(ok.run());
        run.set(2, new Instr.Launch(1, List.of(TestPrograms.b(2), TestPrograms.b(3), TestPrograms.f(1f)), new long[] {4}, null, 0,
                List.of(), -1, null));
        Program p = new Program("three_args", ok.source(), ok.buffers(), List.of(TestPrograms.VADD, three), ok.setup(), run, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.load(p, Map.of("w", new float[4])));
        assertTrue(e.getMessage().contains("kernel k1 'scale' takes 4 arguments in the source, but its KernelSpec lists 3"),
                e.getMessage());
        LiveObjects.Counts after = LiveObjects.snapshot();
        assertEquals(before.programs() + s.cachedPrograms() - cached, after.programs());
        assertEquals(before.kernels(), after.kernels());
        assertEquals(before.buffers(), after.buffers());
    }

    @Test
    void hostArraysAreCheckedByNameTypeAndSize() {
        Session s = Session.shared(ClTestSupport.deviceOrSkip(), 1);
        Program p = TestPrograms.addScale(64, 1f);
        LiveObjects.Counts before = LiveObjects.snapshot();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.load(p, Map.of("v", new float[64])));
        assertTrue(e.getMessage().contains("program 'add_scale' setup[0] write b1 'w': no host array \"w\" "
                + "(expected a float[] or int[] of 256 bytes); given: [v]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> s.load(p, Map.of("w", new float[63])));
        assertTrue(e.getMessage().contains("host array \"w\" has 252 bytes (63 elements) but buffer b1 'w' has 256 bytes"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> s.load(p, Map.of("w", new double[32])));
        assertTrue(e.getMessage().contains("host array \"w\" is a double[]; expected a float[] or int[]"), e.getMessage());
        assertEquals(before, LiveObjects.snapshot());
        try (Loaded l = s.load(p, Map.of("w", new float[64]))) {
            e = assertThrows(IllegalArgumentException.class, () -> l.run(Map.of()));
            assertTrue(e.getMessage().contains("run[0] write b0 'x': no host array \"x\""), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> l.run(Map.of("x", new int[65])));
            assertTrue(e.getMessage().contains("host array \"x\" has 260 bytes (65 elements) but buffer b0 'x' has 256 bytes"),
                    e.getMessage());
            // the failed runs enqueued nothing: the next one works
            assertEquals(64, l.run(Map.of("x", new float[64])).get("y").length);
        }
    }

    @Test
    void programsAreVerifiedBeforeAnythingIsCreated() {
        Session s = Session.shared(ClTestSupport.deviceOrSkip(), 1);
        LiveObjects.Counts before = LiveObjects.snapshot();
        Program ok = TestPrograms.addScale(4, 1f);
        Program bad = TestPrograms.withRun(ok, 1, TestPrograms.vadd(0, 1, 9, 4, 0, List.of(), -1));
        ProgramException e = assertThrows(ProgramException.class, () -> s.load(bad, Map.of("w", new float[4])));
        assertTrue(e.getMessage().contains("run[1] launch k0 vadd: buffer b9 out of range"), e.getMessage());
        Program twoQueues = new Program("two", ok.source(), ok.buffers(), ok.kernels(), ok.setup(), ok.run(), 2);
        IllegalArgumentException q = assertThrows(IllegalArgumentException.class, () -> s.load(twoQueues, Map.of("w", new float[4])));
        assertTrue(q.getMessage().contains("program 'two' uses 2 queues; the session has 1"), q.getMessage());
        assertEquals(before, LiveObjects.snapshot());
    }

    @Test
    void aFailedEnqueueNamesTheInstruction() {
        Session s = Session.shared(ClTestSupport.deviceOrSkip(), 1);
        Program ok = TestPrograms.addScale(64, 1f);
        // a local size beyond any device's work-group limit passes the verifier (it divides) but not OpenCL
        Program p = TestPrograms.withRun(ok, 2, new Instr.Launch(1, List.of(TestPrograms.b(2), TestPrograms.b(3),
                TestPrograms.f(1f), TestPrograms.i(64)), new long[] {1 << 20}, new long[] {1 << 20}, 0, List.of(), -1, "too wide"));
        try (Loaded l = s.load(p, Map.of("w", new float[64]))) {
            LiveObjects.Counts before = LiveObjects.snapshot();
            OpenClException e = assertThrows(OpenClException.class, () -> l.run(Map.of("x", new float[64]), true));
            assertTrue(e.getMessage().contains("program 'add_scale' run[2] launch k1 scale(b2, b3, f:1.0, i:64) global=[1048576] "
                    + "local=[1048576] on q0  # too wide: CL_INVALID_WORK_GROUP_SIZE"), e.getMessage());
            assertEquals(before, LiveObjects.snapshot(), "the events of the launches before it are released");
        }
    }
}
