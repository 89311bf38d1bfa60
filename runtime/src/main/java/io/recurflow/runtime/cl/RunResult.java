package io.recurflow.runtime.cl;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one run produced: the outputs by host name in the order of the run's reads, one timing per
 * launch in run order when profiling was asked for (else none), and the host's wall time of the run.
 */
public record RunResult(Map<String, float[]> outputs, List<LaunchTiming> timings, long wallNanos) {
    public RunResult {
        outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
        timings = List.copyOf(timings);
    }
}
