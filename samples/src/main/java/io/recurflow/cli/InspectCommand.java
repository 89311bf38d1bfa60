package io.recurflow.cli;

import io.recurflow.codegen.asm.EntryClassListing;
import io.recurflow.runtime.bundle.Bundle;
import io.recurflow.runtime.bundle.Manifest;
import io.recurflow.runtime.bundle.RecurflowModel;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code recurflow inspect}: what a bundle holds, verified first. */
@Command(name = "inspect", description = {"Verify a bundle and list its entry class's methods, the inputs and outputs",
    "with their shapes, the device binaries, the schedule and every entry with its SHA-256."})
final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "BUNDLE.jar", description = "A bundle written by `compile`.")
    Path jar;

    @Override
    public Integer call() {
        if (!Files.isRegularFile(jar)) {
            throw new UserException("no bundle " + jar);
        }
        Bundle b = Bundle.open(jar);
        Manifest m = b.manifest();
        System.out.printf("bundle %s: format %d, written by Recurflow %s; every entry's SHA-256 verified%n", jar,
                m.formatVersion(), m.recurflowVersion());
        System.out.printf("model %s (graph sha256 %s), mode %s, batch %d, max-seq %d, weights %s%n", m.model(),
                m.graphSha256(), m.mode(), m.batch(), m.maxSteps(), m.seed() == null ? "from a file" : "random, seed " + m.seed());
        EntryClassListing.Listing l = EntryClassListing.of(b.entries().get(Bundle.classEntry(m.entryClass())));
        System.out.printf("%nentry class %s extends %s%n", l.name(), l.superName());
        for (String method : l.methods()) {
            System.out.println("  " + method);
        }
        TreeSet<String> inherited = new TreeSet<>();
        for (Method x : RecurflowModel.class.getMethods()) {
            inherited.add(x.getName() + "(" + String.join(", ", Arrays.stream(x.getParameterTypes())
                    .map(Class::getSimpleName).toList()) + ")");
        }
        System.out.println("  and from RecurflowModel: " + String.join(", ", inherited));
        System.out.printf("%ninputs%n");
        for (Manifest.Input in : m.inputs()) {
            System.out.printf("  %-12s %s%-16s %-9s %s%n", in.name(), in.dtype(), Arrays.toString(in.shape()),
                    in.perStep() ? "per step" : "static", in.method());
        }
        System.out.printf("outputs%n");
        for (Manifest.Output o : m.outputs()) {
            System.out.printf("  %-12s f32%-16s %-9s %s%n", o.name(), Arrays.toString(o.shape()),
                    o.perStep() ? "per step" : "static", o.method());
        }
        System.out.printf("parameters: %d; program: %d buffers, %d kernels, %d launches per run on %d queue(s)%n",
                m.params().size(), b.program().buffers().size(), b.program().kernels().size(),
                b.program().launchesPerRun(), b.program().queues());
        System.out.printf("device binaries%n");
        if (m.binaries().isEmpty()) {
            System.out.println("  none: loading builds from source");
        }
        for (Manifest.Binary bin : m.binaries()) {
            System.out.printf("  %s (%s, driver %s): %s%n", bin.device(), bin.platform(), bin.driver(), bin.entry());
        }
        if (!m.schedule().isEmpty()) {
            System.out.printf("schedule%n");
            for (String line : m.schedule()) {
                System.out.println("  " + line);
            }
        }
        System.out.printf("entries%n");
        for (Map.Entry<String, byte[]> e : b.entries().entrySet()) {
            System.out.printf("  %s %9d  %s%n", m.entries().get(e.getKey()), e.getValue().length, e.getKey());
        }
        return 0;
    }
}
