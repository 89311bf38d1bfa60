package io.recurflow.runtime.bundle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.recurflow.runtime.RecurflowVersion;
import io.recurflow.runtime.cl.Devices;
import io.recurflow.runtime.program.Program;
import io.recurflow.runtime.program.ProgramJson;
import io.recurflow.runtime.safetensors.HostTensor;
import io.recurflow.runtime.safetensors.SafeTensors;
import io.recurflow.runtime.safetensors.SafeTensorsException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A bundle opened and verified: its format version is one this runtime reads, every entry matches the
 * SHA-256 its manifest records (the manifest itself matches {@code manifest.sha256}), and its weights
 * fit the model's parameters. All of that is checked when it is opened, before anything is built or
 * allocated on a device; {@link #load(String)} then gives a handle that runs it.
 *
 * <p>Layout: the entry class {@code com/example/MyModel.class} and beside it a folder
 * {@code com/example/MyModel.bundle/} holding {@code manifest.json}, {@code manifest.sha256},
 * {@code kernels.cl}, {@code weights.safetensors}, {@code schedule.dot} (scheduled mode) and
 * {@code binaries/N.bin}.
 */
public final class Bundle {
    public static final String MANIFEST = "manifest.json";
    public static final String MANIFEST_SHA256 = "manifest.sha256";
    public static final String SOURCE = "kernels.cl";
    public static final String WEIGHTS = "weights.safetensors";
    public static final String SCHEDULE_DOT = "schedule.dot";
    public static final String BINARIES = "binaries/";

    private final String where;
    private final Manifest manifest;
    private final Map<String, byte[]> entries;
    private final Program program;
    private final SafeTensors weights;

    private Bundle(String where, Manifest manifest, Map<String, byte[]> entries, Program program, SafeTensors weights) {
        this.where = where;
        this.manifest = manifest;
        this.entries = entries;
        this.program = program;
        this.weights = weights;
    }

    /** The folder of the bundle's resources for entry class {@code entryClass} (a binary name). */
    public static String folder(String entryClass) {
        return entryClass.replace('.', '/') + ".bundle/";
    }

    /** The JAR entry of the class file of {@code entryClass}. */
    public static String classEntry(String entryClass) {
        return entryClass.replace('.', '/') + ".class";
    }

    /** SHA-256 of {@code bytes} as 64 lower-case hex digits. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            // every Java platform must provide SHA-256
            throw new IllegalStateException(e);
        }
    }

    /** The bundle of entry class {@code entry}, read from its class loader (the resources beside the class). */
    public static Bundle of(Class<?> entry) {
        ClassLoader loader = entry.getClassLoader() != null ? entry.getClassLoader() : ClassLoader.getSystemClassLoader();
        return verify("of " + entry.getName(), folder(entry.getName()), name -> resource(loader, name));
    }

    /** Every file entry of JAR {@code jar} with its bytes, in the JAR's order. */
    public static Map<String, byte[]> entries(Path jar) throws IOException {
        Map<String, byte[]> all = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            Enumeration<? extends ZipEntry> es = zip.entries();
            while (es.hasMoreElements()) {
                ZipEntry e = es.nextElement();
                if (!e.isDirectory()) {
                    try (InputStream in = zip.getInputStream(e)) {
                        all.put(e.getName(), in.readAllBytes());
                    }
                }
            }
        }
        return all;
    }

    /** The bundle in JAR file {@code jar}. */
    public static Bundle open(Path jar) {
        Map<String, byte[]> all;
        try {
            all = entries(jar);
        } catch (IOException e) {
            throw new BundleException("cannot read bundle " + jar + ": " + e.getMessage(), e);
        }
        List<String> manifests = new ArrayList<>();
        for (String name : all.keySet()) {
            if (name.endsWith(".bundle/" + MANIFEST)) {
                manifests.add(name);
            }
        }
        if (manifests.size() != 1) {
            throw new BundleException(jar + " is not a Recurflow bundle: it has " + manifests.size()
                    + " entries named *.bundle/" + MANIFEST + (manifests.isEmpty() ? "" : " " + manifests) + ", not one");
        }
        String m = manifests.get(0);
        return verify(jar.toString(), m.substring(0, m.length() - MANIFEST.length()), all::get);
    }

    private static byte[] resource(ClassLoader loader, String name) {
        try (InputStream in = loader.getResourceAsStream(name)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + name, e);
        }
    }

    private static Bundle verify(String where, String folder, Function<String, byte[]> read) {
        byte[] manifestBytes = read.apply(folder + MANIFEST);
        if (manifestBytes == null) {
            throw new BundleException("bundle " + where + " has no " + folder + MANIFEST);
        }
        // the version first: a later format may keep its hashes differently
        JsonNode tree = Manifest.tree(manifestBytes);
        if (tree != null && tree.path("formatVersion").isInt() && tree.get("formatVersion").asInt() != Manifest.FORMAT_VERSION) {
            throw new BundleException("bundle " + where + " has format version " + tree.get("formatVersion").asInt()
                    + " (written by Recurflow " + tree.path("recurflowVersion").asText("?") + "); this runtime (Recurflow "
                    + RecurflowVersion.get() + ") reads format version " + Manifest.FORMAT_VERSION);
        }
        byte[] recorded = read.apply(folder + MANIFEST_SHA256);
        checkHash(where, folder + MANIFEST, manifestBytes,
                recorded == null ? "nothing (no " + MANIFEST_SHA256 + ")" : new String(recorded, StandardCharsets.US_ASCII).trim());
        Manifest manifest;
        try {
            manifest = Manifest.of(tree);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new BundleException("bundle " + where + ": " + folder + MANIFEST + " is not a manifest: " + e.getMessage(), e);
        }
        Map<String, byte[]> entries = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : manifest.entries().entrySet()) {
            byte[] bytes = read.apply(e.getKey());
            if (bytes == null) {
                throw new BundleException("bundle " + where + " lacks entry " + e.getKey() + " that its manifest lists");
            }
            checkHash(where, e.getKey(), bytes, e.getValue());
            entries.put(e.getKey(), bytes);
        }
        byte[] source = entry(where, entries, folder + SOURCE);
        Program program;
        try {
            program = ProgramJson.fromTree(manifest.program(), new String(source, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new BundleException("bundle " + where + ": the manifest's program does not parse: " + e.getMessage(), e);
        }
        SafeTensors weights;
        try {
            weights = SafeTensors.parse(entry(where, entries, folder + WEIGHTS), folder + WEIGHTS);
        } catch (SafeTensorsException e) {
            throw new BundleException("bundle " + where + ": " + e.getMessage(), e);
        }
        checkWeights(where, manifest, weights);
        return new Bundle(where, manifest, entries, program, weights);
    }

    private static byte[] entry(String where, Map<String, byte[]> entries, String name) {
        byte[] b = entries.get(name);
        if (b == null) {
            throw new BundleException("bundle " + where + ": its manifest lists no entry " + name);
        }
        return b;
    }

    private static void checkHash(String where, String name, byte[] bytes, String expected) {
        String actual = sha256(bytes);
        if (!actual.equals(expected)) {
            throw new BundleException("bundle " + where + ": entry " + name + " is corrupted: its SHA-256 is " + actual
                    + ", the bundle records " + expected);
        }
    }

    /** The first parameter that is missing or misshapen, or a tensor the model does not have, is an error. */
    private static void checkWeights(String where, Manifest m, SafeTensors weights) {
        String at = "bundle " + where + ": the weights do not fit the model: ";
        List<String> known = new ArrayList<>();
        for (Manifest.Param p : m.params()) {
            known.add(p.name());
            HostTensor t = weights.tensors().get(p.name());
            if (t == null) {
                throw new BundleException(at + "no parameter '" + p.name() + "' (the model needs f32"
                        + Arrays.toString(p.shape()) + ")");
            }
            if (!Arrays.equals(t.intShape(), p.shape())) {
                throw new BundleException(at + "parameter '" + p.name() + "' has shape " + Arrays.toString(t.intShape())
                        + ", the model needs " + Arrays.toString(p.shape()));
            }
        }
        for (String name : weights.names()) {
            if (!known.contains(name)) {
                throw new BundleException(at + "'" + name + "' is not a parameter of the model (its parameters: "
                        + String.join(", ", known) + ")");
            }
        }
    }

    /** Where the bundle was read from, for messages. */
    public String where() {
        return where;
    }

    public Manifest manifest() {
        return manifest;
    }

    /** The program with its source. */
    public Program program() {
        return program;
    }

    public SafeTensors weights() {
        return weights;
    }

    /** Every entry the manifest lists (full names) with its bytes, in the manifest's order. */
    public Map<String, byte[]> entries() {
        return java.util.Collections.unmodifiableMap(entries);
    }

    /** A new handle on device {@code deviceSpec} (an index or name substring; null: the default device). */
    public BundleHandle load(String deviceSpec) {
        return BundleHandle.open(this, Devices.select(deviceSpec));
    }
}
