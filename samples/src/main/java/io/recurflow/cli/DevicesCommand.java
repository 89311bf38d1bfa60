package io.recurflow.cli;

import io.recurflow.runtime.cl.DeviceInfo;
import io.recurflow.runtime.cl.Devices;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code recurflow devices}: every OpenCL platform and device JOCL sees. */
@Command(name = "devices", description = "List every OpenCL platform and device.")
final class DevicesCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        List<DeviceInfo> devices = Devices.list();
        String platform = null;
        for (DeviceInfo d : devices) {
            if (!d.platformName().equals(platform)) {
                platform = d.platformName();
                System.out.println("platform " + d.platformIndex() + ": " + platform);
            }
            System.out.printf("  device %d: %s%n", d.index(), d.name());
            System.out.printf("    type %s, vendor %s, %d compute units%n", d.type(), d.vendor(), d.computeUnits());
            System.out.printf("    memory %.1f GiB (largest buffer %.1f GiB)%n", d.globalMemBytes() / 1073741824.0,
                    d.maxAllocBytes() / 1073741824.0);
            System.out.printf("    %s, driver %s%n", d.openclVersion(), d.driverVersion());
        }
        return 0;
    }
}
