package io.recurflow.runtime.cl;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one run produced: the outputs by host name in the order of the run's reads, one timing per
 * launch in run order when profiling was asked for (else none), the host's wall time of the run, and the
 * part of it the host took to enqueue every command (after which it only waited for the device).
 */
public record RunResult(Map<String, float[]> outputs, List<LaunchTiming> timings, long wallNanos, long enqueueNanos) {
    public RunResult {
        outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
        timings = List.copyOf(timings);
    }
}
