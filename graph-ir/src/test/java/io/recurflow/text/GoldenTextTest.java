package io.recurflow.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Golden text files; run with {@code -Drecurflow.updateGolden=true} to rewrite them after a deliberate change. */
class GoldenTextTest {
    private static final boolean UPDATE = Boolean.getBoolean("recurflow.updateGolden");

    @Test
    void elmanRnnMatchesGoldenFile() throws IOException {
        String text = GraphPrinter.print(SampleGraphs.elman());
        assertGolden("elman_rnn.rfg", text);
        assertEquals(SampleGraphs.elman(), GraphParser.parse(read("elman_rnn.rfg"), "elman_rnn.rfg"));
    }

    /** Surefire runs tests in the module directory, so the source tree is found from there. */
    private static Path golden(String name) {
        return Path.of(System.getProperty("user.dir"), "src", "test", "resources", "golden", name);
    }

    private static String read(String name) throws IOException {
        return Files.readString(golden(name), StandardCharsets.UTF_8);
    }

    private static void assertGolden(String name, String actual) throws IOException {
        Path file = golden(name);
        if (UPDATE) {
            Files.createDirectories(file.getParent());
            Files.writeString(file, actual, StandardCharsets.UTF_8);
            return;
        }
        assertTrue(Files.exists(file), "no golden file " + file + ": run with -Drecurflow.updateGolden=true");
        assertEquals(read(name), actual, "text differs from " + file
                + " (run with -Drecurflow.updateGolden=true if the change is intended)");
    }
}
