package io.recurflow.runtime.bundle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * What a bundle's {@code manifest.json} holds: the format and Recurflow versions, the graph's hash, the
 * shapes and names of inputs, outputs and parameters, the schedule, the low-level program (its source
 * lives in its own entry), the device binaries and the SHA-256 of every other entry (by full entry name).
 *
 * @param program   the {@link io.recurflow.runtime.program.Program} as {@link io.recurflow.runtime.program.ProgramJson}
 *                  writes it, without its source
 * @param schedule  the schedule's listing, one line each (empty in modes without one)
 * @param seed      the seed of the random weights (null when they came from a file): {@code main}'s default seed
 * @param lengthsHost the host array of the per-sequence lengths
 */
public record Manifest(int formatVersion, String recurflowVersion, String model, String graphSha256, String entryClass,
                       String mode, Long seed, int batch, int maxSteps, List<Input> inputs, List<Output> outputs,
                       List<Param> params, String lengthsHost, List<String> schedule, JsonNode program,
                       List<Binary> binaries, Map<String, String> entries) {
    /** The format this runtime reads and writes. */
    public static final int FORMAT_VERSION = 1;

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    /** The manifest as indented UTF-8 JSON. */
    public byte[] toBytes() {
        try {
            return (MAPPER.writeValueAsString(this) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a manifest always serializes", e);
        }
    }

    /** The JSON tree of manifest bytes, or null when they are not JSON. */
    static JsonNode tree(byte[] json) {
        try {
            return MAPPER.readTree(json);
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /** The manifest of a JSON tree. */
    static Manifest of(JsonNode tree) throws JsonProcessingException {
        return MAPPER.treeToValue(tree, Manifest.class);
    }

    /**
     * A model input: {@code dtype} is {@code f32} or {@code i32}; {@code shape} is the full one (per-step
     * inputs lead with max-steps); {@code random} says how {@code main} draws it; {@code method} is the
     * entry class's setter.
     */
    public record Input(String name, String host, String dtype, boolean perStep, int[] shape, Random random,
                        String method) {
    }

    /**
     * How the seeded random generator of {@code run} draws an input: float32-rounded uniform values in
     * [lo, hi), or, when {@code ids} is positive, integers uniform in [0, ids).
     */
    public record Random(double lo, double hi, int ids) {
    }

    /** A model output; {@code shape} is the full one; {@code method} is the entry class's getter. */
    public record Output(String name, String host, boolean perStep, int[] shape, String method) {
    }

    /** A parameter: its tensor in the weights entry has {@code name} and {@code shape}; the setup writes {@code host}. */
    public record Param(String name, String host, int[] shape) {
    }

    /** A device binary of the program built with {@code buildOptions}, for the device so named. */
    public record Binary(String device, String platform, String driver, String buildOptions, String entry) {
    }
}
