package io.recurflow.cli;

import io.recurflow.runtime.bundle.RecurflowModel;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code recurflow classpath}: the class path a deployed bundle needs, the runtime jar and its libraries. */
@Command(name = "classpath", description = {"Print the class path a bundle needs at run time: the runtime jar and its",
    "libraries (JOCL, Jackson), absolute paths joined by the platform's separator. Smoke test:",
    "  java -cp \"$(./recurflow classpath):model.jar\" com.example.MyModel"})
final class ClasspathCommand implements Callable<Integer> {
    /** The file the runtime module's build writes beside its jar, listing its libraries. */
    static final String LIBRARIES_FILE = "runtime.classpath";

    @Override
    public Integer call() {
        System.out.println(String.join(File.pathSeparator, entries()));
        return 0;
    }

    /** The runtime jar (its classes folder when the build stopped before packaging) and its libraries. */
    static List<String> entries() {
        Path target = runtimeTarget();
        Path libraries = target.resolve(LIBRARIES_FILE);
        List<String> out = new ArrayList<>();
        out.add(runtimeJar(target).toString());
        try {
            String text = Files.readString(libraries).trim();
            for (String e : text.isEmpty() ? new String[0] : text.split(File.pathSeparator)) {
                out.add(Path.of(e).toAbsolutePath().toString());
            }
        } catch (IOException e) {
            throw new UserException("cannot read " + libraries + " (written by the runtime module's build): " + e.getMessage(), e);
        }
        return out;
    }

    /** runtime/target of this checkout: where the loaded runtime classes come from, else under -Drecurflow.root. */
    private static Path runtimeTarget() {
        List<Path> tried = new ArrayList<>();
        try {
            Path source = Path.of(RecurflowModel.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path dir = source.toAbsolutePath().getParent();
            if (dir != null) {
                tried.add(dir);
                if (Files.isRegularFile(dir.resolve(LIBRARIES_FILE))) {
                    return dir;
                }
            }
        } catch (URISyntaxException | RuntimeException e) {
            // no code source (a custom class loader): fall back to the checkout's root
        }
        String root = System.getProperty("recurflow.root");
        if (root != null) {
            Path dir = Path.of(root, "runtime", "target").toAbsolutePath();
            tried.add(dir);
            if (Files.isRegularFile(dir.resolve(LIBRARIES_FILE))) {
                return dir;
            }
        }
        throw new UserException("cannot find the runtime's build (a " + LIBRARIES_FILE + " in " + tried
                + "); build the project with ./recurflow first");
    }

    private static Path runtimeJar(Path target) {
        String version = io.recurflow.runtime.RecurflowVersion.get();
        Path jar = target.resolve("runtime-" + version + ".jar");
        if (Files.isRegularFile(jar)) {
            return jar;
        }
        Path classes = target.resolve("classes");
        if (Files.isDirectory(classes.resolve("io/recurflow/runtime/bundle"))) {
            return classes;
        }
        throw new UserException("the runtime jar " + jar + " is missing; build the project with ./recurflow first");
    }
}
