package io.recurflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Golden files under {@code src/test/resources/golden}: compared byte for byte, or rewritten when the
 * build runs with {@code -Drecurflow.updateGolden=true} (then review the diff before committing).
 */
final class Golden {
    private Golden() {
    }

    static void check(String file, String actual) throws IOException {
        Path golden = Path.of(System.getProperty("user.dir"), "src", "test", "resources", "golden", file);
        if (Boolean.getBoolean("recurflow.updateGolden")) {
            Files.createDirectories(golden.getParent());
            Files.writeString(golden, actual);
            return;
        }
        assertTrue(Files.exists(golden), "no golden file " + golden
                + "; run with -Drecurflow.updateGolden=true to create it");
        assertEquals(Files.readString(golden), actual, "differs from " + golden);
    }
}
