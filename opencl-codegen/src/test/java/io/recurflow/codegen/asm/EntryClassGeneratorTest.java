package io.recurflow.codegen.asm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.codegen.CompiledModel;
import io.recurflow.codegen.Lowering;
import io.recurflow.codegen.Mode;
import io.recurflow.codegen.bundle.BundleWriter;
import io.recurflow.codegen.bundle.BundleWriterTest;
import io.recurflow.runtime.bundle.Bundle;
import io.recurflow.runtime.bundle.BundleModel;
import io.recurflow.testing.Golden;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.util.CheckClassAdapter;
import org.objectweb.asm.util.Textifier;
import org.objectweb.asm.util.TraceClassVisitor;

class EntryClassGeneratorTest {
    @TempDir
    Path tmp;

    static final EntryClass EVERY_KIND = new EntryClass("com.example.Every",
            List.of(new EntryClass.Setter("setX", "x", true, false), new EntryClass.Setter("setH0", "h0", false, false),
                    new EntryClass.Setter("setTokens", "tokens", true, true),
                    new EntryClass.Setter("setLabel", "label", false, true)),
            List.of(new EntryClass.Getter("getY", "y"), new EntryClass.Getter("getH_n", "h_n")));

    /** The analyzer's complaints about a class file, empty when it verifies. */
    static String check(byte[] classFile) {
        StringWriter sw = new StringWriter();
        CheckClassAdapter.verify(new ClassReader(classFile), EntryClassGeneratorTest.class.getClassLoader(), false,
                new PrintWriter(sw));
        return sw.toString();
    }

    @Test
    void everyKindOfMethodVerifies() {
        assertEquals("", check(EntryClassGenerator.generate(EVERY_KIND)));
    }

    @Test
    void theClassHasTheTypedMethods() throws Exception {
        byte[] bytes = EntryClassGenerator.generate(EVERY_KIND);
        Class<?> c = new ClassLoader(getClass().getClassLoader()) {
            Class<?> define() {
                return defineClass("com.example.Every", bytes, 0, bytes.length);
            }
        }.define();
        assertEquals(BundleModel.class, c.getSuperclass());
        assertTrue(Modifier.isFinal(c.getModifiers()));
        Method load = c.getMethod("load", String.class);
        assertTrue(Modifier.isStatic(load.getModifiers()));
        assertEquals(c, load.getReturnType());
        assertEquals(c, c.getMethod("load").getReturnType());
        c.getMethod("setX", float[].class, int[].class);
        c.getMethod("setH0", float[].class);
        c.getMethod("setTokens", int[].class, int[].class);
        c.getMethod("setLabel", int[].class);
        assertEquals(float[].class, c.getMethod("getH_n").getReturnType());
        assertTrue(Modifier.isStatic(c.getMethod("main", String[].class).getModifiers()));
        assertEquals(1, c.getDeclaredConstructors().length);
        assertTrue(Modifier.isPrivate(c.getDeclaredConstructors()[0].getModifiers()));
    }

    @Test
    void listingNamesEveryPublicMethod() {
        EntryClassListing.Listing l = EntryClassListing.of(EntryClassGenerator.generate(EVERY_KIND));
        assertEquals("com.example.Every", l.name());
        assertEquals(BundleModel.class.getName(), l.superName());
        assertEquals(List.of("public static Every load()", "public static Every load(String)",
                "public void setX(float[], int[])", "public void setH0(float[])", "public void setTokens(int[], int[])",
                "public void setLabel(int[])", "public float[] getY()", "public float[] getH_n()",
                "public static void main(String[])"), l.methods());
    }

    /** The golden listing of the entry class of a one-layer LSTM with initial states. */
    @Test
    void lstmEntryClassMatchesItsGoldenListing() throws Exception {
        CompiledModel m = Lowering.lower(BundleWriterTest.lstm(), Mode.BATCHED, 2, 5);
        Path jar = tmp.resolve("lstm.jar");
        BundleWriter.write(jar, m, BundleWriterTest.weights(m), "com.example.Lstm", List.of());
        byte[] bytes = Bundle.open(jar).entries().get("com/example/Lstm.class");
        assertEquals("", check(bytes));
        StringWriter sw = new StringWriter();
        new ClassReader(bytes).accept(new TraceClassVisitor(null, new Textifier(), new PrintWriter(sw)), 0);
        String text = sw.toString();
        assertFalse(text.isEmpty());
        Golden.check("entry_class_lstm.txt", text);
    }
}
