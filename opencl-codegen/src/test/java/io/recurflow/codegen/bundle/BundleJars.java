package io.recurflow.codegen.bundle;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.recurflow.runtime.bundle.Bundle;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Test helper: reads a bundle JAR's entries and writes changed copies of it. */
public final class BundleJars {
    private BundleJars() {
    }

    public static Map<String, byte[]> read(Path jar) throws IOException {
        return Bundle.entries(jar);
    }

    public static void write(Path jar, Map<String, byte[]> entries) throws IOException {
        try (OutputStream os = Files.newOutputStream(jar); ZipOutputStream zip = new ZipOutputStream(os)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
    }

    /** A copy of {@code in} with one byte of entry {@code name} changed. */
    public static void corrupt(Path in, Path out, String name) throws IOException {
        Map<String, byte[]> all = read(in);
        byte[] b = all.get(name).clone();
        b[b.length / 2] ^= 0x20;
        all.put(name, b);
        write(out, all);
    }

    /**
     * A copy of {@code in} whose manifest is changed by {@code edit} and whose entry {@code name} (may be
     * null) is replaced by {@code bytes}, with every hash recomputed: a well-formed bundle saying what the test wants.
     */
    public static void rewrite(Path in, Path out, UnaryOperator<ObjectNode> edit, String name, byte[] bytes)
            throws IOException {
        Map<String, byte[]> all = read(in);
        String manifestName = null;
        for (String n : all.keySet()) {
            if (n.endsWith(".bundle/" + Bundle.MANIFEST)) {
                manifestName = n;
            }
        }
        String folder = manifestName.substring(0, manifestName.length() - Bundle.MANIFEST.length());
        if (name != null) {
            all.put(name, bytes);
        }
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode m = (ObjectNode) mapper.readTree(all.get(manifestName));
        ObjectNode hashes = (ObjectNode) m.get("entries");
        for (Map.Entry<String, byte[]> e : all.entrySet()) {
            if (hashes.has(e.getKey())) {
                hashes.put(e.getKey(), Bundle.sha256(e.getValue()));
            }
        }
        byte[] manifest = mapper.writeValueAsBytes(edit.apply(m));
        all.put(manifestName, manifest);
        all.put(folder + Bundle.MANIFEST_SHA256, Bundle.sha256(manifest).getBytes(StandardCharsets.US_ASCII));
        write(out, all);
    }
}
