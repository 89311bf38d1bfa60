package io.recurflow.runtime.program;

/**
 * Device memory of a loaded program: {@code plannedBytes} is what the {@link MemoryPlan} allocates
 * (TEMP buffers sharing allocations), {@code unsharedBytes} what one allocation per buffer would take,
 * {@code peakBytes} the most bytes live at any one run instruction (a lower bound for any plan),
 * {@code allocations} the number of device allocations and {@code buffers} the number of buffers.
 */
public record MemoryReport(long plannedBytes, long unsharedBytes, long peakBytes, int allocations, int buffers) {
    /** One line, e.g. {@code 3 allocations for 5 buffers: planned 768 B, unshared 1024 B, peak 768 B}. */
    @Override
    public String toString() {
        return allocations + " allocations for " + buffers + " buffers: planned " + plannedBytes + " B, unshared "
                + unsharedBytes + " B, peak " + peakBytes + " B";
    }
}
