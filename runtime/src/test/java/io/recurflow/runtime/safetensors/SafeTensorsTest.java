package io.recurflow.runtime.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
    @TempDir
    Path tmp;

    private Path pytorchFile() throws IOException {
        Path p = tmp.resolve("lstm_bi_len.in.safetensors");
        try (InputStream in = getClass().getResourceAsStream("/pytorch/lstm_bi_len.in.safetensors")) {
            Files.copy(in, p);
        }
        return p;
    }

    @Test
    void readsAFileWrittenByPyTorch() throws IOException {
        SafeTensors st = SafeTensors.read(pytorchFile());
        assertEquals(21, st.size());
        assertEquals("x", st.names().get(0));
        assertEquals("lstm", st.metadata().get("cell"));
        assertEquals("true", st.metadata().get("bidirectional"));
        assertEquals("8", st.metadata().get("hidden"));

        HostTensor x = st.get("x");
        assertEquals(DataType.F32, x.dtype());
        assertArrayEquals(new long[] {7, 3, 5}, x.shape());
        assertArrayEquals(new int[] {7, 3, 5}, x.intShape());
        assertEquals(105, x.numel());
        assertEquals(0.4606814384460449f, x.floats()[0]);
        assertEquals(-0.14530563354492188f, x.floats()[1]);
        assertEquals(-0.1863320767879486f, x.floats()[104]);

        HostTensor lengths = st.get("lengths");
        assertEquals(DataType.I64, lengths.dtype());
        assertArrayEquals(new long[] {3}, lengths.shape());
        assertArrayEquals(new long[] {7, 4, 1}, lengths.longs());
        assertArrayEquals(new int[] {7, 4, 1}, lengths.toIntArray());
        assertArrayEquals(new float[] {7, 4, 1}, lengths.toFloatArray());

        HostTensor h0 = st.get("h0");
        assertArrayEquals(new long[] {4, 3, 8}, h0.shape());
        assertEquals(0.3857897222042084f, h0.floats()[0]);
        assertEquals(0.08688102662563324, h0.toDoubleArray()[95], 1e-9);
        assertArrayEquals(new long[] {32, 16}, st.get("weight_ih_l1_reverse").shape());
        assertArrayEquals(new long[] {7, 3, 16}, st.get("r").shape());

        try (InputStream in = getClass().getResourceAsStream("/pytorch/lstm_bi_len.in.safetensors")) {
            SafeTensors fromStream = SafeTensors.read(in, "resource");
            assertEquals(st.tensors(), fromStream.tensors());
            assertEquals("resource", fromStream.source());
        }

        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> st.get("nope"));
        assertTrue(e.getMessage().contains("lstm_bi_len.in.safetensors") && e.getMessage().contains("'nope'"), e.getMessage());
    }

    @Test
    void rewritingThePyTorchFileGivesTheSameTensors() throws IOException {
        SafeTensors st = SafeTensors.read(pytorchFile());
        Path out = tmp.resolve("again.safetensors");
        SafeTensors.write(out, st.tensors().values(), st.metadata());
        SafeTensors back = SafeTensors.read(out);
        assertEquals(st.tensors(), back.tensors());
        assertEquals(st.metadata(), back.metadata());
        assertEquals(st.names(), back.names());
    }

    private static List<HostTensor> randomTensors(Random rnd) {
        List<HostTensor> ts = new ArrayList<>();
        for (int k = 0; k < 12; k++) {
            int rank = rnd.nextInt(4);
            long[] shape = new long[rank];
            int n = 1;
            for (int i = 0; i < rank; i++) {
                shape[i] = rnd.nextInt(5);
                n *= (int) shape[i];
            }
            String name = "t" + k + "." + rnd.nextInt(1000);
            switch (k % 6) {
                case 0: {
                    float[] f = new float[n];
                    for (int i = 0; i < n; i++) {
                        f[i] = (float) rnd.nextGaussian();
                    }
                    ts.add(HostTensor.f32(name, f, shape));
                    break;
                }
                case 1: {
                    long[] l = rnd.longs(n).toArray();
                    ts.add(HostTensor.i64(name, l, shape));
                    break;
                }
                case 2: {
                    ts.add(HostTensor.i32(name, rnd.ints(n).toArray(), shape));
                    break;
                }
                case 3: {
                    ts.add(HostTensor.f64(name, rnd.doubles(n).toArray(), shape));
                    break;
                }
                case 4: {
                    float[] f = new float[n];
                    for (int i = 0; i < n; i++) {
                        f[i] = (float) rnd.nextGaussian() * 100;
                    }
                    ts.add(HostTensor.ofFloats(name, k % 2 == 0 ? DataType.F16 : DataType.BF16, f, shape));
                    break;
                }
                default: {
                    long[] l = rnd.longs(n, 0, 256).toArray();
                    ts.add(HostTensor.ofLongs(name, DataType.U8, l, shape));
                    break;
                }
            }
        }
        return ts;
    }

    @Test
    void roundTripsRandomTensors() {
        Random rnd = new Random(42);
        for (int trial = 0; trial < 20; trial++) {
            List<HostTensor> ts = randomTensors(rnd);
            Map<String, String> meta = trial % 2 == 0 ? Map.of() : Map.of("trial", String.valueOf(trial), "é", "ü");
            Path file = tmp.resolve("r" + trial + ".safetensors");
            SafeTensors.write(file, ts, meta);
            SafeTensors back = SafeTensors.read(file);
            assertEquals(ts.stream().map(HostTensor::name).toList(), back.names(), "header keeps insertion order");
            for (HostTensor t : ts) {
                assertEquals(t, back.get(t.name()));
            }
            assertEquals(meta, back.metadata());
        }
    }

    @Test
    void layoutIsAlignedPaddedAndHasNoGaps() {
        List<HostTensor> ts = List.of(
                HostTensor.ofLongs("u8", DataType.U8, new long[] {1, 2, 3}, 3),
                HostTensor.f32("f32", new float[] {1.5f, -2f}, 2),
                HostTensor.i64("i64", new long[] {7}, 1),
                HostTensor.i32("i32", new int[] {9}));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("k", "v");
        byte[] bytes = SafeTensors.of(ts, meta).toBytes();
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8);
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"k\":\"v\"},\"u8\":"), header);
        assertTrue(header.matches("(?s)\\{.*\\} *"), header);
        // data by decreasing element size: i64 at 0, f32 at 8, i32 at 16, u8 at 20; 23 bytes, no gaps
        assertTrue(header.contains("\"i64\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}"), header);
        assertTrue(header.contains("\"f32\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}"), header);
        assertTrue(header.contains("\"i32\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[16,20]}"), header);
        assertTrue(header.contains("\"u8\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[20,23]}"), header);
        assertEquals(8 + n + 23, bytes.length);
        SafeTensors back = SafeTensors.parse(bytes, "mem");
        assertEquals(List.of("u8", "f32", "i64", "i32"), back.names());
        assertEquals(9, back.get("i32").longs()[0]);
    }

    @Test
    void writeReplacesAtomicallyAndLeavesNoTemporaryFile() throws IOException {
        Path file = tmp.resolve("sub/w.safetensors");
        SafeTensors.write(file, List.of(HostTensor.f32("a", new float[] {1}, 1)), null);
        SafeTensors.write(file, List.of(HostTensor.f32("b", new float[] {2, 3}, 2)), null);
        assertEquals(List.of("b"), SafeTensors.read(file).names());
        try (Stream<Path> s = Files.list(file.getParent())) {
            assertEquals(List.of(file.getFileName().toString()), s.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void halfAndBfloatConversionsRoundTripEveryValue() {
        for (int h = 0; h < 0x10000; h++) {
            float f = HalfFloats.halfToFloat((short) h);
            if (!Float.isNaN(f)) {
                assertEquals((short) h, HalfFloats.floatToHalf(f), "half 0x" + Integer.toHexString(h));
            }
            float b = HalfFloats.bf16ToFloat((short) h);
            if (!Float.isNaN(b)) {
                assertEquals((short) h, HalfFloats.floatToBf16(b), "bf16 0x" + Integer.toHexString(h));
            }
        }
        assertEquals(1.0f, HalfFloats.halfToFloat(HalfFloats.floatToHalf(1.0004f)));
        assertEquals(65504f, HalfFloats.halfToFloat(HalfFloats.floatToHalf(65504f)));
        assertEquals(Float.POSITIVE_INFINITY, HalfFloats.halfToFloat(HalfFloats.floatToHalf(70000f)));
        assertEquals(0x1p-24f, HalfFloats.halfToFloat(HalfFloats.floatToHalf(0x1.8p-25f)));
        assertEquals(0f, HalfFloats.halfToFloat(HalfFloats.floatToHalf(0x1p-26f)));
        assertTrue(Float.isNaN(HalfFloats.halfToFloat(HalfFloats.floatToHalf(Float.NaN))));
        assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(Float.NaN))));
    }

    @Test
    void integerTypesAreRangeChecked() {
        assertThrows(IllegalArgumentException.class, () -> HostTensor.ofLongs("b", DataType.U8, new long[] {256}, 1));
        assertThrows(IllegalArgumentException.class, () -> HostTensor.ofLongs("b", DataType.I32, new long[] {1L << 31}, 1));
        assertThrows(IllegalArgumentException.class, () -> HostTensor.f32("s", new float[3], 2, 2));
        assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.of(List.of(HostTensor.f32("a", new float[1]), HostTensor.f32("a", new float[1]))));
    }

    // ---------------------------------------------------------------- corrupt files

    private byte[] small() {
        return SafeTensors.of(List.of(
                HostTensor.f32("a", new float[] {1, 2, 3, 4}, 2, 2),
                HostTensor.i64("b", new long[] {5, 6}, 2))).toBytes();
    }

    private SafeTensorsException corrupt(byte[] bytes) throws IOException {
        Path file = tmp.resolve("corrupt.safetensors");
        Files.write(file, bytes);
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> SafeTensors.read(file));
        assertTrue(e.getMessage().startsWith(file.toString() + ": "), e.getMessage());
        return e;
    }

    private static byte[] withHeader(String json, int dataBytes) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return b.array();
    }

    private static void assertMentions(SafeTensorsException e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "expected '" + p + "' in: " + e.getMessage());
        }
    }

    @Test
    void truncatedFiles() throws IOException {
        byte[] ok = small();
        assertMentions(corrupt(Arrays.copyOf(ok, 5)), "truncated file");
        assertMentions(corrupt(new byte[0]), "truncated file");
        // cut inside the data section: the last tensor ends beyond the data
        assertMentions(corrupt(Arrays.copyOf(ok, ok.length - 3)), "offsets out of range", "truncated file");
        // cut inside the header
        assertMentions(corrupt(Arrays.copyOf(ok, 20)), "header length", "beyond file size");
    }

    @Test
    void headerLengthBeyondTheFile() throws IOException {
        byte[] bytes = small();
        bytes[7] = (byte) 0x80; // sign bit: an enormous unsigned length
        assertMentions(corrupt(bytes), "header length 922337", "beyond file size " + bytes.length);
        byte[] b2 = small();
        ByteBuffer.wrap(b2).order(ByteOrder.LITTLE_ENDIAN).putLong(0, b2.length);
        assertMentions(corrupt(b2), "header length " + b2.length + " beyond file size");
    }

    @Test
    void headerLengthTooShortIsBadJson() throws IOException {
        byte[] bytes = small();
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        bb.putLong(0, bb.getLong(0) - 16);
        assertMentions(corrupt(bytes), "bad JSON header");
        assertMentions(corrupt(withHeader("[1, 2]", 0)), "bad JSON header", "expected an object");
        assertMentions(corrupt(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}} junk", 4)),
                "bad JSON header");
        assertMentions(corrupt(withHeader("", 0)), "bad JSON header");
        assertMentions(corrupt(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4)),
                "bad JSON header", "tensor 'a'", "data_offsets");
        assertMentions(corrupt(withHeader("{\"__metadata__\":{\"k\":1}}", 0)), "bad JSON header", "'k'");
    }

    @Test
    void unknownDtype() throws IOException {
        assertMentions(corrupt(withHeader("{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1)),
                "unknown dtype 'F8_E4M3'", "tensor 'a'");
    }

    @Test
    void badOffsets() throws IOException {
        assertMentions(corrupt(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 8)),
                "offsets out of range", "tensor 'a'", "[4, 12]");
        assertMentions(corrupt(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}", 8)),
                "offsets out of range", "begin after end");
        assertMentions(corrupt(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12)),
                "offsets overlapping", "'a' [0, 8]", "'b' [4, 12]");
        assertMentions(corrupt(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-4,4]}}", 8)),
                "bad JSON header", "non-negative");
        // flipping a byte of the offsets in a written file
        byte[] bytes = small();
        String s = new String(bytes, StandardCharsets.ISO_8859_1).replace("[16,32]", "[16,99]");
        assertMentions(corrupt(s.getBytes(StandardCharsets.ISO_8859_1)), "shape/byte-count mismatch", "tensor 'a'");
    }

    @Test
    void shapeByteCountMismatch() throws IOException {
        assertMentions(corrupt(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8)),
                "shape/byte-count mismatch", "tensor 'a'", "F32[3] = 12 bytes", "span 8");
    }

    @Test
    void emptyTensorsAndEmptyFiles() {
        SafeTensors empty = SafeTensors.parse(SafeTensors.of(List.of()).toBytes(), "e");
        assertEquals(0, empty.size());
        SafeTensors z = SafeTensors.parse(SafeTensors.of(List.of(
                HostTensor.f32("z", new float[0], 0, 3), HostTensor.f32("w", new float[] {1}, 1))).toBytes(), "z");
        assertArrayEquals(new long[] {0, 3}, z.get("z").shape());
        assertEquals(1f, z.get("w").floats()[0]);
    }

    @Test
    void missingFileIsNamed() {
        Path p = tmp.resolve("absent.safetensors");
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> SafeTensors.read(p));
        assertMentions(e, p.toString(), "no such file");
    }
}
