package io.recurflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.runtime.safetensors.HostTensor;
import io.recurflow.runtime.safetensors.SafeTensors;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** compile, inspect and classpath as a user types them, mistakes included. */
class BundleCommandLineTest {
    static final String MODEL = "gru:hidden=4,input=3";

    @TempDir
    Path tmp;

    @Test
    void inspectListsMethodsShapesScheduleAndEntries() {
        OpenCl.require();
        Path jar = tmp.resolve("g.jar");
        Cli c = Cli.run("compile", MODEL, "--batch", "1", "--max-seq", "3", "--class", "demo.Gru", "-o", jar.toString());
        assertEquals(0, c.exit(), c.toString());
        Cli r = Cli.run("inspect", jar.toString());
        assertEquals(0, r.exit(), r.toString());
        for (String want : List.of("entry class demo.Gru extends io.recurflow.runtime.bundle.BundleModel",
                "public static Gru load(String)", "public void setX(float[], int[])", "public float[] getH_n()",
                "x            f32[3, 1, 3]", "h_n          f32[1, 1, 4]", "schedule", "demo/Gru.class",
                "demo/Gru.bundle/weights.safetensors", "binaries/0.bin")) {
            assertTrue(r.out().contains(want), want + " in\n" + r.out());
        }
    }

    @Test
    void weightsThatDoNotFitNameTheFirstMismatch() {
        Path w = tmp.resolve("w.safetensors");
        SafeTensors.write(w, List.of(HostTensor.f32("weight_ih_l0", new float[12 * 2], 12, 2)), Map.of());
        Cli c = Cli.run("compile", MODEL, "--weights", w.toString(), "--batch", "1", "--max-seq", "3", "--class",
                "demo.Gru", "-o", tmp.resolve("g.jar").toString());
        assertEquals(1, c.exit(), c.toString());
        assertEquals(1, c.err().trim().split("\n").length, c.err());
        assertTrue(c.err().contains("parameter 'weight_ih_l0'") && c.err().contains("[12, 2]")
                && c.err().contains("[12, 3]"), c.err());
    }

    @Test
    void badClassNamesAndMissingOptionsAreRefused() {
        OpenCl.require();
        Cli c = Cli.run("compile", MODEL, "--batch", "1", "--max-seq", "3", "--class", "demo.1Gru", "-o",
                tmp.resolve("g.jar").toString());
        assertEquals(1, c.exit(), c.toString());
        assertTrue(c.err().startsWith("error: 'demo.1Gru' is not a Java class name"), c.err());
        assertEquals(2, Cli.run("compile", MODEL, "--batch", "1", "-o", "x.jar").exit());
    }

    @Test
    void aCorruptedBundleIsNamedByInspect() throws IOException {
        OpenCl.require();
        Path jar = tmp.resolve("g.jar");
        assertEquals(0, Cli.run("compile", MODEL, "--batch", "1", "--max-seq", "3", "--class", "demo.Gru", "-o",
                jar.toString()).exit());
        Path bad = tmp.resolve("bad.jar");
        try (ZipFile zip = new ZipFile(jar.toFile()); OutputStream os = Files.newOutputStream(bad);
             ZipOutputStream out = new ZipOutputStream(os)) {
            Enumeration<? extends ZipEntry> es = zip.entries();
            while (es.hasMoreElements()) {
                ZipEntry e = es.nextElement();
                byte[] b;
                try (InputStream in = zip.getInputStream(e)) {
                    b = in.readAllBytes();
                }
                if (e.getName().endsWith("kernels.cl")) {
                    b[100] ^= 1;
                }
                out.putNextEntry(new ZipEntry(e.getName()));
                out.write(b);
                out.closeEntry();
            }
        }
        Cli r = Cli.run("inspect", bad.toString());
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("entry demo/Gru.bundle/kernels.cl is corrupted"), r.err());
    }
}
