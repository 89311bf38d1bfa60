package io.recurflow.samples.charlm;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A training text: its vocabulary, and its first 90% for training and last 10% for validation, as ids.
 * Text must be UTF-8 without NUL bytes; anything else is rejected with a message naming the file.
 */
public record Corpus(String name, Vocab vocab, int[] train, int[] validation) {
    /** The resource holding the default English text. */
    public static final String DEFAULT_RESOURCE = "/io/recurflow/samples/corpus/corpus.txt";
    /** The smallest text accepted: enough characters for both splits to hold a few sequences. */
    public static final int MIN_CHARS = 100;

    /** The default English text the project ships. */
    public static String defaultText() {
        try (InputStream in = Corpus.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new CharLmException("the default corpus " + DEFAULT_RESOURCE
                        + " is not on the class path; give a text file with --data");
            }
            return decode(in.readAllBytes(), "the default corpus");
        } catch (IOException e) {
            throw new CharLmException("cannot read the default corpus: " + e.getMessage(), e);
        }
    }

    /** Reads a UTF-8 text file; missing, unreadable, empty, binary or invalid files are a CharLmException. */
    public static String readText(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CharLmException("data file " + file + " does not exist");
        } catch (IOException e) {
            throw new CharLmException("cannot read data file " + file + ": " + e.getMessage(), e);
        }
        return decode(bytes, "data file " + file);
    }

    static String decode(byte[] bytes, String what) {
        if (bytes.length == 0) {
            throw new CharLmException(what + " is empty");
        }
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                throw new CharLmException(what + " is not text: it has a NUL byte at offset " + i);
            }
        }
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        try {
            return d.decode(buf).toString();
        } catch (MalformedInputException e) {
            throw new CharLmException(what + " is not UTF-8 text: invalid byte sequence at offset " + buf.position());
        } catch (CharacterCodingException e) {
            throw new CharLmException(what + " is not UTF-8 text: " + e.getMessage());
        }
    }

    /** {@code text} split 90/10 at a character, with the vocabulary of the whole text. */
    public static Corpus of(String name, String text) {
        return of(name, text, null);
    }

    /** As above with a given vocabulary (a resumed run's), or null for the text's own. */
    public static Corpus of(String name, String text, Vocab given) {
        int[] cps = text.codePoints().toArray();
        if (cps.length < MIN_CHARS) {
            throw new CharLmException(name + " has " + cps.length + " characters; training needs at least " + MIN_CHARS);
        }
        Vocab vocab = given != null ? given : Vocab.of(text);
        if (vocab.size() < 2) {
            throw new CharLmException(name + " has a single distinct character; there is nothing to learn");
        }
        int[] ids = vocab.encode(text);
        int cut = ids.length - ids.length / 10;
        return new Corpus(name, vocab, java.util.Arrays.copyOfRange(ids, 0, cut),
                java.util.Arrays.copyOfRange(ids, cut, ids.length));
    }
}
