package io.recurflow.cli;

import io.recurflow.ir.Graph;
import io.recurflow.samples.ModelZoo;
import io.recurflow.text.GraphParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resolves the MODEL argument of every command: a sample with options, or a graph text file. */
public final class Models {
    private Models() {
    }

    /** The graph that {@code spec} names; a {@link UserException} for an unknown sample or file. */
    public static Graph load(String spec) {
        if (ModelZoo.isSample(spec)) {
            try {
                return ModelZoo.build(spec);
            } catch (IllegalArgumentException e) {
                throw new UserException(e.getMessage(), e);
            }
        }
        Path file = Path.of(spec);
        if (!Files.isRegularFile(file)) {
            throw new UserException("unknown model '" + spec + "': not a sample (" + String.join(", ", ModelZoo.NAMES)
                    + ") and no file of that name");
        }
        try {
            return GraphParser.parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new UserException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
