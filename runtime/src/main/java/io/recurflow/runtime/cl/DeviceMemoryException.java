package io.recurflow.runtime.cl;

/**
 * A device buffer could not be allocated: larger than the device allows (checked before asking), or
 * refused by OpenCL. The message names the buffer, the bytes asked for and the device's limits.
 */
public class DeviceMemoryException extends OpenClException {
    private static final long serialVersionUID = 1L;

    private final String bufferName;
    private final long bytes;
    private final long maxAllocBytes;
    private final long globalMemBytes;

    public DeviceMemoryException(String reason, String bufferName, long bytes, DeviceInfo device, int status, Throwable cause) {
        super("cannot allocate " + bufferName + " of " + size(bytes) + " on " + device.name() + ": " + reason
                + " (the device allows " + size(device.maxAllocBytes()) + " per allocation and has " + size(device.globalMemBytes())
                + " of global memory)", status, cause);
        this.bufferName = bufferName;
        this.bytes = bytes;
        this.maxAllocBytes = device.maxAllocBytes();
        this.globalMemBytes = device.globalMemBytes();
    }

    /** {@code 2147483648 bytes (2.00 GiB)}. */
    static String size(long bytes) {
        String unit;
        double v;
        if (bytes >= 1L << 30) {
            v = bytes / (double) (1L << 30);
            unit = "GiB";
        } else if (bytes >= 1L << 20) {
            v = bytes / (double) (1L << 20);
            unit = "MiB";
        } else {
            v = bytes / 1024.0;
            unit = "KiB";
        }
        return bytes + " bytes (" + String.format(java.util.Locale.ROOT, "%.2f %s", v, unit) + ")";
    }

    /** What could not be allocated: a buffer's name and id, or several when they share one allocation. */
    public String bufferName() {
        return bufferName;
    }

    public long bytes() {
        return bytes;
    }

    public long maxAllocBytes() {
        return maxAllocBytes;
    }

    public long globalMemBytes() {
        return globalMemBytes;
    }
}
