package io.recurflow.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LrScheduleTest {
    @Test
    void cosineWarmsUpLinearlyThenDecaysToTheFloor() {
        LrSchedule s = LrSchedule.parse("cosine:warmup=10,min=0.1", 2.0, 110);
        assertEquals(0.2, s.lr(0), 1e-12);
        assertEquals(1.0, s.lr(4), 1e-12);
        assertEquals(2.0, s.lr(9), 1e-12);
        assertEquals(2.0, s.lr(10), 1e-12);
        assertEquals(2.0 * 0.55, s.lr(60), 1e-12);   // half way: min + (1 − min) / 2
        assertEquals(0.2, s.lr(110), 1e-12);
        assertEquals(0.2, s.lr(10_000), 1e-12);
        assertTrue(s.lr(30) > s.lr(31));
    }

    @Test
    void constantIsConstantAndTextRoundTrips() {
        LrSchedule c = LrSchedule.parse("constant", 0.5, 100);
        assertEquals(0.5, c.lr(0));
        assertEquals(0.5, c.lr(99));
        LrSchedule s = LrSchedule.parse("cosine:warmup=3,min=0.25", 1, 50);
        assertEquals(s, LrSchedule.parse(s.text(), 1, 50));
        assertEquals(0.1, LrSchedule.parse("cosine", 1, 100).minFraction());
    }

    @Test
    void badTextIsNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LrSchedule.parse("linear", 1, 10))
                .getMessage().contains("linear"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LrSchedule.parse("cosine:min=x", 1, 10))
                .getMessage().contains("min"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LrSchedule.parse("cosine:floor=1", 1, 10))
                .getMessage().contains("floor"));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.parse("cosine:min=2", 1, 10));
    }
}
