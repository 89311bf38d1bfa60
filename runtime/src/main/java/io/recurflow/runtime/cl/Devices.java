package io.recurflow.runtime.cl;

import static org.jocl.CL.CL_DEVICE_GLOBAL_MEM_SIZE;
import static org.jocl.CL.CL_DEVICE_MAX_COMPUTE_UNITS;
import static org.jocl.CL.CL_DEVICE_MAX_MEM_ALLOC_SIZE;
import static org.jocl.CL.CL_DEVICE_NAME;
import static org.jocl.CL.CL_DEVICE_NOT_FOUND;
import static org.jocl.CL.CL_DEVICE_TYPE;
import static org.jocl.CL.CL_DEVICE_TYPE_ACCELERATOR;
import static org.jocl.CL.CL_DEVICE_TYPE_ALL;
import static org.jocl.CL.CL_DEVICE_TYPE_CPU;
import static org.jocl.CL.CL_DEVICE_TYPE_GPU;
import static org.jocl.CL.CL_DEVICE_VENDOR;
import static org.jocl.CL.CL_DEVICE_VERSION;
import static org.jocl.CL.CL_DRIVER_VERSION;
import static org.jocl.CL.CL_PLATFORM_NAME;
import static org.jocl.CL.CL_PLATFORM_NOT_FOUND_KHR;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/** Lists the OpenCL devices of this machine and picks one by index, by name or by default. */
public final class Devices {
    /** The environment variable consulted when no device is specified. */
    public static final String ENV_VAR = "RECURFLOW_DEVICE";

    private Devices() {
    }

    /**
     * All devices of all platforms, numbered in platform order; never empty.
     *
     * @throws NoOpenClException when the OpenCL library cannot be loaded or no platform or device exists
     */
    public static List<DeviceInfo> list() {
        try {
            cl_platform_id[] platforms = platforms();
            List<DeviceInfo> out = new ArrayList<>();
            List<String> empty = new ArrayList<>();
            for (int p = 0; p < platforms.length; p++) {
                String platformName = platformString(platforms[p], CL_PLATFORM_NAME);
                cl_device_id[] devices;
                try {
                    devices = devices(platforms[p]);
                } catch (CLException e) {
                    System.err.println("recurflow: skipping OpenCL platform #" + p + " (" + platformName + "): " + e.getMessage());
                    empty.add(platformName);
                    continue;
                }
                if (devices.length == 0) {
                    empty.add(platformName);
                }
                for (int d = 0; d < devices.length; d++) {
                    out.add(describe(p, platformName, out.size(), d, devices[d]));
                }
            }
            if (out.isEmpty()) {
                throw new NoOpenClException("the platforms " + empty + " have no usable device", null);
            }
            return List.copyOf(out);
        } catch (LinkageError e) {
            throw new NoOpenClException("cannot load the OpenCL library libOpenCL.so (" + e + ")", e);
        }
    }

    /**
     * The device {@code spec} names. A null or blank spec means the value of {@code RECURFLOW_DEVICE} when
     * that is set, else the first GPU, else the first device; a number is a global device index; anything
     * else is a case-insensitive part of a device name.
     *
     * @throws NoOpenClException when there is no OpenCL device at all
     * @throws IllegalArgumentException when nothing matches, listing the devices there are
     */
    public static DeviceInfo select(String spec) {
        String origin = "device";
        if (spec == null || spec.isBlank()) {
            String env = System.getenv(ENV_VAR);
            if (env != null && !env.isBlank()) {
                spec = env;
                origin = ENV_VAR;
            }
        }
        return select(spec, list(), origin);
    }

    /** As {@link #select(String)}, choosing among {@code devices} and ignoring the environment. */
    public static DeviceInfo select(String spec, List<DeviceInfo> devices) {
        return select(spec, devices, "device");
    }

    private static DeviceInfo select(String spec, List<DeviceInfo> devices, String origin) {
        if (devices.isEmpty()) {
            throw new IllegalArgumentException("no OpenCL devices to choose from");
        }
        if (spec == null || spec.isBlank()) {
            for (DeviceInfo d : devices) {
                if (d.type() == DeviceType.GPU) {
                    return d;
                }
            }
            return devices.get(0);
        }
        String s = spec.trim();
        if (s.matches("\\d{1,9}")) {
            int index = Integer.parseInt(s);
            for (DeviceInfo d : devices) {
                if (d.index() == index) {
                    return d;
                }
            }
            throw new IllegalArgumentException(origin + " '" + s + "': no OpenCL device has that index; " + listing(devices));
        }
        String needle = s.toLowerCase(Locale.ROOT);
        for (DeviceInfo d : devices) {
            if (d.name().toLowerCase(Locale.ROOT).contains(needle)) {
                return d;
            }
        }
        throw new IllegalArgumentException(origin + " '" + s + "': no OpenCL device name contains it; " + listing(devices));
    }

    private static String listing(List<DeviceInfo> devices) {
        return "available devices:" + devices.stream().map(d -> "\n  " + d.describe()).collect(Collectors.joining());
    }

    /** The OpenCL platform handle of {@code device}. */
    public static cl_platform_id clPlatform(DeviceInfo device) {
        cl_platform_id[] platforms = platforms();
        if (device.platformIndex() >= platforms.length) {
            throw new IllegalStateException("OpenCL platform #" + device.platformIndex() + " of " + device.name() + " is gone");
        }
        return platforms[device.platformIndex()];
    }

    /** The OpenCL device handle of {@code device}. */
    public static cl_device_id clDevice(DeviceInfo device) {
        cl_device_id[] devices = devices(clPlatform(device));
        if (device.indexInPlatform() >= devices.length) {
            throw new IllegalStateException("OpenCL device " + device.describe() + " is gone");
        }
        return devices[device.indexInPlatform()];
    }

    private static cl_platform_id[] platforms() {
        CL.setExceptionsEnabled(true);
        int[] count = new int[1];
        try {
            CL.clGetPlatformIDs(0, null, count);
        } catch (CLException e) {
            if (e.getStatus() == CL_PLATFORM_NOT_FOUND_KHR) {
                throw new NoOpenClException("the OpenCL ICD loader reports CL_PLATFORM_NOT_FOUND_KHR (-1001): "
                        + "no driver is registered in /etc/OpenCL/vendors", e);
            }
            throw e;
        }
        if (count[0] == 0) {
            throw new NoOpenClException("the OpenCL ICD loader reports 0 platforms", null);
        }
        cl_platform_id[] platforms = new cl_platform_id[count[0]];
        CL.clGetPlatformIDs(platforms.length, platforms, null);
        return platforms;
    }

    private static cl_device_id[] devices(cl_platform_id platform) {
        int[] count = new int[1];
        try {
            CL.clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 0, null, count);
        } catch (CLException e) {
            if (e.getStatus() == CL_DEVICE_NOT_FOUND) {
                return new cl_device_id[0];
            }
            throw e;
        }
        cl_device_id[] devices = new cl_device_id[count[0]];
        if (devices.length > 0) {
            CL.clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, devices.length, devices, null);
        }
        return devices;
    }

    private static DeviceInfo describe(int p, String platformName, int index, int inPlatform, cl_device_id d) {
        long type = deviceLong(d, CL_DEVICE_TYPE);
        DeviceType kind = (type & CL_DEVICE_TYPE_GPU) != 0 ? DeviceType.GPU
                : (type & CL_DEVICE_TYPE_ACCELERATOR) != 0 ? DeviceType.ACCELERATOR
                : (type & CL_DEVICE_TYPE_CPU) != 0 ? DeviceType.CPU
                : DeviceType.OTHER;
        return new DeviceInfo(p, platformName, index, inPlatform,
                deviceString(d, CL_DEVICE_NAME).trim(),
                deviceString(d, CL_DEVICE_VENDOR).trim(),
                kind,
                deviceInt(d, CL_DEVICE_MAX_COMPUTE_UNITS),
                deviceLong(d, CL_DEVICE_GLOBAL_MEM_SIZE),
                deviceLong(d, CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                deviceString(d, CL_DEVICE_VERSION).trim(),
                deviceString(d, CL_DRIVER_VERSION).trim());
    }

    private static String platformString(cl_platform_id p, int param) {
        long[] size = new long[1];
        CL.clGetPlatformInfo(p, param, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        CL.clGetPlatformInfo(p, param, buf.length, Pointer.to(buf), null);
        return cString(buf);
    }

    private static String deviceString(cl_device_id d, int param) {
        long[] size = new long[1];
        CL.clGetDeviceInfo(d, param, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        CL.clGetDeviceInfo(d, param, buf.length, Pointer.to(buf), null);
        return cString(buf);
    }

    private static int deviceInt(cl_device_id d, int param) {
        int[] v = new int[1];
        CL.clGetDeviceInfo(d, param, Sizeof.cl_uint, Pointer.to(v), null);
        return v[0];
    }

    private static long deviceLong(cl_device_id d, int param) {
        long[] v = new long[1];
        CL.clGetDeviceInfo(d, param, Sizeof.cl_ulong, Pointer.to(v), null);
        return v[0];
    }

    private static String cString(byte[] buf) {
        int n = 0;
        while (n < buf.length && buf[n] != 0) {
            n++;
        }
        return new String(buf, 0, n, StandardCharsets.UTF_8);
    }
}
