package io.recurflow.runtime.program;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A {@link Program} as JSON and back, exactly (a bundle stores the program it was compiled to). Each
 * instruction and argument carries its kind in a {@code "type"} field; the Jackson annotations live on
 * mix-ins here, so that the program's records stay plain data.
 */
public final class ProgramJson {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .addMixIn(Instr.class, InstrMixIn.class)
            .addMixIn(Arg.class, ArgMixIn.class)
            .build();

    private ProgramJson() {
    }

    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
    @JsonSubTypes({@JsonSubTypes.Type(value = Instr.Write.class, name = "write"),
        @JsonSubTypes.Type(value = Instr.Fill.class, name = "fill"),
        @JsonSubTypes.Type(value = Instr.Launch.class, name = "launch"),
        @JsonSubTypes.Type(value = Instr.Read.class, name = "read")})
    private interface InstrMixIn {
    }

    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
    @JsonSubTypes({@JsonSubTypes.Type(value = Arg.Buffer.class, name = "buffer"),
        @JsonSubTypes.Type(value = Arg.Int.class, name = "int"),
        @JsonSubTypes.Type(value = Arg.Float.class, name = "float")})
    private interface ArgMixIn {
    }

    /** The program as a JSON tree; without its source when {@code withSource} is false (stored elsewhere). */
    public static ObjectNode toTree(Program p, boolean withSource) {
        ObjectNode tree = MAPPER.valueToTree(p);
        if (!withSource) {
            tree.remove("source");
        }
        return tree;
    }

    /** The program as JSON text, source included. */
    public static String toJson(Program p) {
        try {
            return MAPPER.writeValueAsString(p);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a program always serializes", e);
        }
    }

    /** The program {@link #toJson} wrote. */
    public static Program fromJson(String json) {
        try {
            return fromTree(MAPPER.readTree(json), null);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a program in JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** The program of {@code tree}, with {@code source} as its source when the tree has none. */
    public static Program fromTree(JsonNode tree, String source) {
        JsonNode t = tree;
        if (source != null) {
            ObjectNode copy = tree.deepCopy();
            copy.put("source", source);
            t = copy;
        }
        try {
            return MAPPER.treeToValue(t, Program.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a program in JSON: " + e.getOriginalMessage(), e);
        }
    }
}
