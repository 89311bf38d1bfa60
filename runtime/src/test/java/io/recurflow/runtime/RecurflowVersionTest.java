package io.recurflow.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.InputStream;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class RecurflowVersionTest {
    @Test
    void constantMatchesTheMavenProjectVersion() throws Exception {
        Properties p = new Properties();
        try (InputStream in = getClass().getResourceAsStream("/recurflow-version.properties")) {
            assertNotNull(in, "filtered test resource recurflow-version.properties");
            p.load(in);
        }
        assertEquals(p.getProperty("version"), RecurflowVersion.VERSION);
        assertEquals(RecurflowVersion.VERSION, RecurflowVersion.get());
    }
}
