package io.recurflow.runtime.cl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class DevicesTest {
    private static List<DeviceInfo> devicesOrSkip() {
        try {
            return Devices.list();
        } catch (NoOpenClException e) {
            System.err.println("\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
                    + "!!! SKIPPING OpenCL device tests: " + e.getMessage() + "\n"
                    + "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n");
            Assumptions.abort("no OpenCL platform: " + e.getMessage());
            throw e;
        }
    }

    @Test
    void listsDevices() {
        List<DeviceInfo> devices = devicesOrSkip();
        assertFalse(devices.isEmpty());
        for (int i = 0; i < devices.size(); i++) {
            DeviceInfo d = devices.get(i);
            System.err.println("OpenCL " + d.describe());
            assertEquals(i, d.index());
            assertFalse(d.name().isBlank());
            assertFalse(d.platformName().isBlank());
            assertTrue(d.computeUnits() > 0, d.describe());
            assertTrue(d.globalMemBytes() > 0 && d.maxAllocBytes() > 0 && d.maxAllocBytes() <= d.globalMemBytes(), d.describe());
            assertTrue(d.openclVersion().startsWith("OpenCL "), d.openclVersion());
            assertNotNull(Devices.clDevice(d));
        }
    }

    @Test
    void selectsTheListedDevices() {
        List<DeviceInfo> devices = devicesOrSkip();
        DeviceInfo first = devices.get(0);
        assertEquals(first, Devices.select("0"));
        assertEquals(first, Devices.select(first.name().substring(0, Math.min(6, first.name().length())).toUpperCase()));
        if (System.getenv(Devices.ENV_VAR) == null) {
            DeviceInfo chosen = Devices.select(null);
            assertTrue(chosen.type() == DeviceType.GPU || devices.stream().noneMatch(d -> d.type() == DeviceType.GPU));
        }
    }

    private static DeviceInfo fake(int index, String name, DeviceType type) {
        return new DeviceInfo(0, "Fake", index, index, name, "V", type, 4, 1L << 30, 1L << 28, "OpenCL 3.0", "1");
    }

    @Test
    void selectionRules() {
        List<DeviceInfo> ds = List.of(fake(0, "pthread-skylake", DeviceType.CPU), fake(1, "NVIDIA H200", DeviceType.GPU),
                fake(2, "Other GPU", DeviceType.GPU));
        assertEquals(ds.get(1), Devices.select(null, ds));
        assertEquals(ds.get(1), Devices.select("  ", ds));
        assertEquals(ds.get(0), Devices.select(null, ds.subList(0, 1)));
        assertEquals(ds.get(2), Devices.select("2", ds));
        assertEquals(ds.get(2), Devices.select(" 02 ", ds));
        assertEquals(ds.get(1), Devices.select("h200", ds));
        assertEquals(ds.get(0), Devices.select("SKYLAKE", ds));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Devices.select("7", ds));
        assertTrue(e.getMessage().contains("available devices") && e.getMessage().contains("NVIDIA H200"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Devices.select("radeon", ds));
        assertTrue(e.getMessage().contains("'radeon'") && e.getMessage().contains("#2"), e.getMessage());
    }

    @Test
    void noOpenClMessageNamesThePackages() {
        String m = new NoOpenClException("test", null).getMessage();
        assertTrue(m.startsWith("no OpenCL platform found"), m);
        assertTrue(m.contains("pocl-opencl-icd") && m.contains("ocl-icd-opencl-dev") && m.contains("libOpenCL.so"), m);
    }
}
