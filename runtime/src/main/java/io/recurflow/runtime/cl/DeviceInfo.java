package io.recurflow.runtime.cl;

/**
 * What OpenCL reports about one device. {@code index} numbers all devices of all platforms in order (the
 * number {@link Devices#select(String)} accepts); {@code indexInPlatform} is its place within its platform.
 */
public record DeviceInfo(
        int platformIndex,
        String platformName,
        int index,
        int indexInPlatform,
        String name,
        String vendor,
        DeviceType type,
        int computeUnits,
        long globalMemBytes,
        long maxAllocBytes,
        String openclVersion,
        String driverVersion) {

    /** One line for listings: {@code #0 CPU  pthread-... [Portable Computing Language] 16 CU, 120.0 GiB, OpenCL 3.0 ...}. */
    public String describe() {
        return String.format("#%d %-11s %s [%s] %d CU, %s memory, %s max allocation, %s, driver %s",
                index, type, name, platformName, computeUnits, gib(globalMemBytes), gib(maxAllocBytes),
                openclVersion, driverVersion);
    }

    private static String gib(long bytes) {
        return String.format("%.1f GiB", bytes / (double) (1L << 30));
    }
}
