package io.recurflow.tests;

import io.recurflow.runtime.cl.DeviceInfo;
import io.recurflow.runtime.cl.Devices;
import io.recurflow.runtime.cl.NoOpenClException;
import io.recurflow.runtime.cl.Session;
import org.junit.jupiter.api.Assumptions;

/** The shared OpenCL session of the tests; skips (loudly) only where no OpenCL platform exists. */
final class OpenCl {
    private OpenCl() {
    }

    /** Skips (loudly) a test that runs OpenCL through the command line where no platform exists. */
    static void require() {
        session();
    }

    static Session session() {
        DeviceInfo device;
        try {
            device = Devices.select(null);
        } catch (NoOpenClException e) {
            System.err.println("!!! SKIPPING OpenCL TEST: " + e.getMessage() + " !!!");
            Assumptions.abort("no OpenCL platform: " + e.getMessage());
            throw e;
        }
        return Session.shared(device, 4);
    }
}
