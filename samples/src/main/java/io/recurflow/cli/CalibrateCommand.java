package io.recurflow.cli;

import io.recurflow.codegen.Calibration;
import io.recurflow.codegen.LaunchCostModel;
import io.recurflow.runtime.cl.DeviceInfo;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code recurflow calibrate}: measures the cost model's constants on a device now and replaces the
 * cached ones, for a machine whose speed has changed since they were written (a shared VM's neighbours
 * come and go); {@code --show} prints the cached ones instead (measuring only if there are none).
 */
@Command(name = "calibrate", description = {"Measure the cost model's constants on the device now (a few seconds) and",
    "replace the cached ones that analyze, run, bench and compile use; --show prints them instead."})
final class CalibrateCommand implements Callable<Integer> {
    @Option(names = "--device", paramLabel = "D", description = "OpenCL device (see `run --help`).")
    String device;

    @Option(names = "--show", description = "Print the cached constants (measuring only if there are none).")
    boolean show;

    @Override
    public Integer call() {
        DeviceInfo d = Engines.device(device);
        LaunchCostModel m = show ? Calibration.forDevice(d) : Calibration.recalibrate(d);
        System.out.println("device " + d.name() + ", driver " + d.driverVersion() + " (" + m.source() + ")");
        System.out.printf("  launch overhead      %8.2f us in a chain of tiny launches, %.2f for a recurrence kernel%n",
                m.overheadUs(), m.longOverheadUs());
        StringBuilder rates = new StringBuilder();
        if (m.gemmRates() != null) {
            for (int i = 0; i < m.gemmRates().rows().length; i++) {
                rates.append(String.format("%s%d rows %.0f", i == 0 ? "" : ", ", m.gemmRates().rows()[i],
                        m.gemmRates().gflops()[i]));
            }
        } else {
            rates.append(String.format("%.0f", m.gflops()));
        }
        System.out.println("  GEMM                 " + rates + " GFLOP/s");
        System.out.printf("  bandwidth            %8.1f GB/s; element-wise %.3f ns per item (over %d items)%n", m.gbPerS(),
                m.itemNs(), LaunchCostModel.BIG_ITEMS);
        if (m.small() != null) {
            System.out.printf("                       %8.1f GB/s; element-wise %.3f ns per item (over %d items)%n",
                    m.small().gbPerS(), m.small().itemNs(), LaunchCostModel.Small.ITEMS);
        }
        System.out.printf("  one work-group       %8.1f GFLOP/s for one row, %.1f for four (matrix-vector products,"
                + " steps looped in one launch)%n", m.oneGroupGflops(), m.oneGroupRowsGflops());
        if (m.stepRates() != null) {
            System.out.printf("                       %8.1f GFLOP/s for one row, %.1f for four, a launch each step%n",
                    m.stepRates().oneRowGflops(), m.stepRates().fourRowsGflops());
        }
        System.out.printf("  host transfers       %8.2f us each, %.3f ns per byte of a run's inputs and outputs%n",
                m.host().usPerTransfer(), m.host().nsPerByte());
        System.out.printf("  host enqueue         %8.2f us a launch%s%n", m.host().usPerLaunch(),
                m.host().sharesCores() ? " (on the device's own cores: a kernel over all of them has one fewer meanwhile)" : "");
        System.out.printf("  overlap              %8.2f of the ideal gain on two queues (%s), %.2f for two work-groups"
                + " of one launch%n", m.overlap(), m.concurrentQueues() ? "used" : "too little: one queue",
                m.groupOverlap());
        System.out.printf("  cross-queue event    %8.2f us%n", m.eventUs());
        return 0;
    }
}
