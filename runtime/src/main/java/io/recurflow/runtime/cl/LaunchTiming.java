package io.recurflow.runtime.cl;

/**
 * OpenCL's profiling times of one launch, in device nanoseconds (one clock per device, comparable
 * across the queues of a context): queued on the host, started and ended on the device.
 */
public record LaunchTiming(String label, String function, int queue, long queuedNs, long startNs, long endNs) {
    /** Time the kernel ran: end − start. */
    public long durationNs() {
        return endNs - startNs;
    }
}
