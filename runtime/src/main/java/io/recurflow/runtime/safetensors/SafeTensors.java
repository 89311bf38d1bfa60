package io.recurflow.runtime.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A set of named tensors with string metadata, read from or written to the safetensors format.
 *
 * <p>Layout: an 8-byte little-endian header length N, N bytes of JSON header
 * ({@code {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {..}}}), then the raw
 * little-endian data; offsets are relative to the start of the data. Writing keeps the tensors' order in
 * the header, lays the data out by decreasing element size (so every tensor is aligned and the data has
 * no gaps, as the reference implementation requires), pads the header with spaces to a multiple of 8 bytes,
 * and replaces the target file atomically. Whole files are held in memory (at most 2 GiB).
 */
public final class SafeTensors {
    /** The largest JSON header this reader accepts, as in the reference implementation. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final String METADATA_KEY = "__metadata__";
    private static final int CHUNK_BYTES = 1 << 20;
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final String source;
    private final Map<String, HostTensor> tensors;
    private final Map<String, String> metadata;

    private SafeTensors(String source, Map<String, HostTensor> tensors, Map<String, String> metadata) {
        this.source = source;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /** Tensors (in this order) and optional metadata (null for none), ready to write. */
    public static SafeTensors of(Collection<HostTensor> tensors, Map<String, String> metadata) {
        Map<String, HostTensor> byName = new LinkedHashMap<>();
        for (HostTensor t : tensors) {
            if (t.name().equals(METADATA_KEY)) {
                throw new IllegalArgumentException("'" + METADATA_KEY + "' is reserved and cannot name a tensor");
            }
            if (byName.put(t.name(), t) != null) {
                throw new IllegalArgumentException("two tensors named '" + t.name() + "'");
            }
        }
        Map<String, String> meta = new LinkedHashMap<>();
        if (metadata != null) {
            metadata.forEach((k, v) -> meta.put(requireNonNullKey(k), requireNonNullValue(k, v)));
        }
        return new SafeTensors("<memory>", byName, meta);
    }

    /** Tensors (in this order) without metadata, ready to write. */
    public static SafeTensors of(Collection<HostTensor> tensors) {
        return of(tensors, null);
    }

    private static String requireNonNullKey(String k) {
        if (k == null) {
            throw new IllegalArgumentException("null metadata key");
        }
        return k;
    }

    private static String requireNonNullValue(String k, String v) {
        if (v == null) {
            throw new IllegalArgumentException("metadata '" + k + "' has a null value");
        }
        return v;
    }

    // ---------------------------------------------------------------- reading

    /** Reads a safetensors file. */
    public static SafeTensors read(Path file) {
        String src = file.toString();
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > Integer.MAX_VALUE - 16) {
                throw new SafeTensorsException(src + ": file of " + size + " bytes is larger than this reader's 2 GiB limit");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new SafeTensorsException(src + ": no such file", e);
        } catch (IOException e) {
            throw new SafeTensorsException(src + ": cannot read: " + e, e);
        }
        return parse(bytes, src);
    }

    /** Reads safetensors data from a stream (not closed); {@code sourceName} names it in error messages. */
    public static SafeTensors read(InputStream in, String sourceName) {
        try {
            return parse(in.readAllBytes(), sourceName);
        } catch (IOException e) {
            throw new SafeTensorsException(sourceName + ": cannot read: " + e, e);
        }
    }

    /** Decodes the bytes of a safetensors file; {@code sourceName} names it in error messages. */
    public static SafeTensors parse(byte[] bytes, String sourceName) {
        return new Decoder(sourceName, bytes).decode();
    }

    private static final class Entry {
        final String name;
        final DataType dtype;
        final long[] shape;
        final long begin;
        final long end;

        Entry(String name, DataType dtype, long[] shape, long begin, long end) {
            this.name = name;
            this.dtype = dtype;
            this.shape = shape;
            this.begin = begin;
            this.end = end;
        }

        String offsets() {
            return "[" + begin + ", " + end + "]";
        }
    }

    private static final class Decoder {
        private final String src;
        private final byte[] bytes;

        Decoder(String src, byte[] bytes) {
            this.src = src;
            this.bytes = bytes;
        }

        private SafeTensorsException error(String what) {
            return new SafeTensorsException(src + ": " + what);
        }

        SafeTensors decode() {
            if (bytes.length < 8) {
                throw error("truncated file: " + bytes.length + " bytes, shorter than the 8-byte header length");
            }
            long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            long after = bytes.length - 8L;
            if (Long.compareUnsigned(n, after) > 0) {
                throw error("header length " + Long.toUnsignedString(n) + " beyond file size " + bytes.length
                        + " (truncated file, or not a safetensors file)");
            }
            if (n > MAX_HEADER_BYTES) {
                throw error("header length " + n + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
            }
            int headerLen = (int) n;
            JsonNode root;
            try {
                root = JSON.readTree(bytes, 8, headerLen);
            } catch (JacksonException e) {
                throw new SafeTensorsException(src + ": bad JSON header: " + e.getOriginalMessage(), e);
            } catch (IOException e) {
                throw new SafeTensorsException(src + ": bad JSON header: " + e.getMessage(), e);
            }
            if (root == null || root.isMissingNode()) {
                throw error("bad JSON header: empty");
            }
            if (!root.isObject()) {
                throw error("bad JSON header: expected an object, found " + root.getNodeType());
            }
            int dataStart = 8 + headerLen;
            long dataLen = bytes.length - (long) dataStart;

            Map<String, String> meta = new LinkedHashMap<>();
            List<Entry> entries = new ArrayList<>();
            for (Map.Entry<String, JsonNode> f : root.properties()) {
                if (f.getKey().equals(METADATA_KEY)) {
                    readMetadata(f.getValue(), meta);
                } else {
                    entries.add(readEntry(f.getKey(), f.getValue(), dataLen));
                }
            }
            checkOverlaps(entries);

            Map<String, HostTensor> tensors = new LinkedHashMap<>();
            for (Entry e : entries) {
                ByteBuffer buf = ByteBuffer.wrap(bytes, dataStart + (int) e.begin, (int) (e.end - e.begin))
                        .slice().order(ByteOrder.LITTLE_ENDIAN);
                tensors.put(e.name, Codec.decode(e.name, e.dtype, e.shape, buf));
            }
            return new SafeTensors(src, tensors, meta);
        }

        private void readMetadata(JsonNode node, Map<String, String> meta) {
            if (node.isNull()) {
                return;
            }
            if (!node.isObject()) {
                throw error("bad JSON header: " + METADATA_KEY + " must be an object of strings, found " + node.getNodeType());
            }
            for (Map.Entry<String, JsonNode> f : node.properties()) {
                if (!f.getValue().isTextual()) {
                    throw error("bad JSON header: " + METADATA_KEY + " value for '" + f.getKey() + "' must be a string, found "
                            + f.getValue().getNodeType());
                }
                meta.put(f.getKey(), f.getValue().textValue());
            }
        }

        private Entry readEntry(String name, JsonNode node, long dataLen) {
            String where = "tensor '" + name + "'";
            if (!node.isObject()) {
                throw error("bad JSON header: " + where + " must be an object, found " + node.getNodeType());
            }
            JsonNode dt = node.get("dtype");
            if (dt == null || !dt.isTextual()) {
                throw error("bad JSON header: " + where + " has no \"dtype\" string");
            }
            DataType dtype = DataType.fromHeaderName(dt.textValue());
            if (dtype == null) {
                throw error("unknown dtype '" + dt.textValue() + "' of " + where + " (this reader knows "
                        + Arrays.stream(DataType.values()).map(DataType::headerName).collect(Collectors.joining(", ")) + ")");
            }
            long[] shape = longArray(node.get("shape"), where, "shape", -1);
            long[] offs = longArray(node.get("data_offsets"), where, "data_offsets", 2);
            long begin = offs[0];
            long end = offs[1];
            Entry e = new Entry(name, dtype, shape, begin, end);
            if (begin > end) {
                throw error("offsets out of range: " + where + " has data_offsets " + e.offsets() + " with begin after end");
            }
            long numel = 1;
            for (long d : shape) {
                numel = multiplyOrMax(numel, d);
            }
            long expected = multiplyOrMax(numel, dtype.size());
            if (expected != end - begin) {
                throw error("shape/byte-count mismatch: " + where + " is " + dtype + Arrays.toString(shape) + " = "
                        + (expected == Long.MAX_VALUE ? "too many" : String.valueOf(expected)) + " bytes, but data_offsets "
                        + e.offsets() + " span " + (end - begin));
            }
            if (end > dataLen) {
                throw error("offsets out of range: " + where + " has data_offsets " + e.offsets() + " beyond the end of the "
                        + dataLen + "-byte data section (truncated file?)");
            }
            if (numel > Integer.MAX_VALUE - 16) {
                throw error(where + " has " + numel + " elements, more than a Java array holds");
            }
            return e;
        }

        private long[] longArray(JsonNode node, String where, String field, int requiredLength) {
            if (node == null || !node.isArray() || (requiredLength >= 0 && node.size() != requiredLength)) {
                throw error("bad JSON header: " + where + " needs \"" + field + "\" as an array"
                        + (requiredLength >= 0 ? " of " + requiredLength + " integers" : " of integers")
                        + (node == null ? "" : ", found " + node));
            }
            long[] out = new long[node.size()];
            for (int i = 0; i < out.length; i++) {
                JsonNode v = node.get(i);
                if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
                    throw error("bad JSON header: " + where + " \"" + field + "\" must hold non-negative integers, found " + node);
                }
                out[i] = v.longValue();
            }
            return out;
        }

        private void checkOverlaps(List<Entry> entries) {
            List<Entry> sorted = new ArrayList<>();
            for (Entry e : entries) {
                if (e.end > e.begin) {
                    sorted.add(e);
                }
            }
            sorted.sort(Comparator.comparingLong((Entry e) -> e.begin).thenComparingLong(e -> e.end));
            for (int i = 1; i < sorted.size(); i++) {
                Entry a = sorted.get(i - 1);
                Entry b = sorted.get(i);
                if (b.begin < a.end) {
                    throw error("offsets overlapping: tensor '" + a.name + "' " + a.offsets() + " and tensor '" + b.name
                            + "' " + b.offsets() + " share bytes");
                }
            }
        }
    }

    private static long multiplyOrMax(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    // ---------------------------------------------------------------- writing

    /** Writes {@code tensors} (in this order) and optional {@code metadata} to {@code file}, atomically. */
    public static void write(Path file, Collection<HostTensor> tensors, Map<String, String> metadata) {
        of(tensors, metadata).write(file);
    }

    /**
     * Writes this set to {@code file}: to a temporary file in the same folder first, then renamed over the
     * target, so that a crash never leaves a half-written file. Creates missing parent folders.
     */
    public void write(Path file) {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writeTo(ch);
                ch.force(true);
            }
            PosixFileAttributeView posix = Files.getFileAttributeView(tmp, PosixFileAttributeView.class);
            if (posix != null) {
                posix.setPermissions(PosixFilePermissions.fromString("rw-r--r--"));
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new SafeTensorsException(file + ": cannot write: " + e, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original error matters more
                }
            }
        }
    }

    /** The bytes of this set in the safetensors format. */
    public byte[] toBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeTo(out);
        return out.toByteArray();
    }

    /** Writes this set in the safetensors format to {@code out} (not closed). */
    public void writeTo(OutputStream out) {
        try {
            writeTo(Channels.newChannel(out));
            out.flush();
        } catch (IOException e) {
            throw new SafeTensorsException("<stream>: cannot write: " + e, e);
        }
    }

    private void writeTo(WritableByteChannel ch) throws IOException {
        List<HostTensor> layout = new ArrayList<>(tensors.values());
        layout.sort(Comparator.comparingInt((HostTensor t) -> t.dtype().size()).reversed()); // stable
        Map<String, long[]> offsets = new LinkedHashMap<>();
        long pos = 0;
        for (HostTensor t : layout) {
            offsets.put(t.name(), new long[] {pos, pos + t.byteSize()});
            pos += t.byteSize();
        }

        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = root.putObject(METADATA_KEY);
            metadata.forEach(m::put);
        }
        for (HostTensor t : tensors.values()) {
            ObjectNode e = root.putObject(t.name());
            e.put("dtype", t.dtype().headerName());
            ArrayNode shape = e.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            long[] o = offsets.get(t.name());
            e.putArray("data_offsets").add(o[0]).add(o[1]);
        }
        byte[] json = JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        writeFully(ch, head);

        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (HostTensor t : layout) {
            Codec.encode(t, chunk, buf -> writeFully(ch, buf));
        }
    }

    static void writeFully(WritableByteChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    // ---------------------------------------------------------------- access

    /** Where this set was read from (a path or a stream's name), "&lt;memory&gt;" when made in memory. */
    public String source() {
        return source;
    }

    /** The string metadata ({@code __metadata__}), in file order; empty when there is none. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The tensors by name, in header order. */
    public Map<String, HostTensor> tensors() {
        return tensors;
    }

    /** The tensor names, in header order. */
    public List<String> names() {
        return List.copyOf(tensors.keySet());
    }

    /** Number of tensors. */
    public int size() {
        return tensors.size();
    }

    /** Whether a tensor is named {@code name}. */
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /** The tensor named {@code name}, if any. */
    public Optional<HostTensor> find(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    /** The tensor named {@code name}; a SafeTensorsException naming the file and its tensors when there is none. */
    public HostTensor get(String name) {
        HostTensor t = tensors.get(name);
        if (t == null) {
            throw new SafeTensorsException(source + ": no tensor named '" + name + "' (it has " + describeNames() + ")");
        }
        return t;
    }

    private String describeNames() {
        if (tensors.isEmpty()) {
            return "none";
        }
        List<String> names = names();
        String shown = String.join(", ", names.subList(0, Math.min(names.size(), 30)));
        return names.size() > 30 ? shown + ", ... " + (names.size() - 30) + " more" : shown;
    }

    @Override
    public String toString() {
        return "SafeTensors(" + source + ", " + tensors.values() + (metadata.isEmpty() ? "" : ", metadata " + metadata) + ")";
    }
}
