package io.recurflow.runtime.cl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Assumptions;

/** The device OpenCL tests run on, or a loud skip when this machine has no OpenCL at all. */
final class ClTestSupport {
    private ClTestSupport() {
    }

    /** The default device ({@code RECURFLOW_DEVICE}, else a GPU, else the first); skips the test only when there is no OpenCL. */
    static DeviceInfo deviceOrSkip() {
        try {
            Devices.list();
        } catch (NoOpenClException e) {
            System.err.println("\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
                    + "!!! SKIPPING OpenCL runtime tests: " + e.getMessage() + "\n"
                    + "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n");
            Assumptions.abort("no OpenCL platform: " + e.getMessage());
        }
        return Devices.select(null);
    }

    static void assertClose(float[] expected, float[] actual, float tol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (Math.abs(expected[i] - actual[i]) > tol * Math.max(1f, Math.abs(expected[i]))) {
                throw new AssertionError(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]);
            }
        }
    }
}
