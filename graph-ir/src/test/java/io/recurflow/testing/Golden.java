package io.recurflow.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Golden files under the module's {@code src/test/resources/golden}, shared by every module's tests
 * (through graph-ir's test jar): compared byte for byte, or rewritten when the build runs with
 * {@code -Drecurflow.updateGolden=true} (then review the diff before committing).
 */
public final class Golden {
    private Golden() {
    }

    /** Surefire runs tests in the module directory, so the source tree is found from there. */
    public static Path file(String name) {
        return Path.of(System.getProperty("user.dir"), "src", "test", "resources", "golden", name);
    }

    /** The golden file's text. */
    public static String read(String name) throws IOException {
        return Files.readString(file(name), StandardCharsets.UTF_8);
    }

    /** Asserts that {@code actual} equals golden file {@code name}, or rewrites it under the update switch. */
    public static void check(String name, String actual) throws IOException {
        Path golden = file(name);
        if (Boolean.getBoolean("recurflow.updateGolden")) {
            Files.createDirectories(golden.getParent());
            Files.writeString(golden, actual, StandardCharsets.UTF_8);
            return;
        }
        assertTrue(Files.exists(golden), "no golden file " + golden + "; run with -Drecurflow.updateGolden=true");
        assertEquals(read(name), actual, "differs from " + golden
                + " (run with -Drecurflow.updateGolden=true if the change is intended)");
    }
}
