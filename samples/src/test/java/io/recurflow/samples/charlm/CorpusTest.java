package io.recurflow.samples.charlm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorpusTest {
    @TempDir
    Path tmp;

    private String failure(byte[] bytes) throws IOException {
        Path f = tmp.resolve("data.txt");
        Files.write(f, bytes);
        return assertThrows(CharLmException.class, () -> Corpus.readText(f)).getMessage();
    }

    @Test
    void badFilesAreNamedWithTheReason() throws IOException {
        assertTrue(assertThrows(CharLmException.class, () -> Corpus.readText(tmp.resolve("none.txt"))).getMessage()
                .contains("none.txt does not exist"));
        assertTrue(failure(new byte[0]).endsWith("data.txt is empty"));
        assertTrue(failure(new byte[] {'a', 'b', 0, 'c'}).contains("NUL byte at offset 2"));
        assertTrue(failure(new byte[] {'a', (byte) 0xC3, 'b'}).contains("not UTF-8 text: invalid byte sequence at offset 1"));
        assertTrue(assertThrows(CharLmException.class, () -> Corpus.of("short", "abc")).getMessage()
                .contains("at least"));
    }

    @Test
    void theLastTenthIsValidationAndTheVocabularyIsSorted() {
        String text = "ba".repeat(100) + "c";
        Corpus c = Corpus.of("t", text);
        assertEquals("abc", c.vocab().text());
        assertEquals(201, c.train().length + c.validation().length);
        assertEquals(20, c.validation().length);
        assertEquals(2, c.validation()[19]);
        assertEquals("é€", Vocab.fromText("é€").text());
        assertEquals(List.of(0, 1), java.util.Arrays.stream(Vocab.of("yx").encode("xy")).boxed().toList());
    }

    @Test
    void sentencesEndAtPunctuationOrLineBreaksAndLongOnesAreCutWithOverlap() {
        Vocab v = Vocab.of("abc. !?\n");
        List<int[]> s = Sentences.split(v.encode("ab. cab! a\nabcabcab"), v, 3);
        List<String> texts = s.stream().map(ids -> {
            StringBuilder sb = new StringBuilder();
            for (int id : ids) {
                sb.append(v.decode(id));
            }
            return sb.toString();
        }).toList();
        assertEquals(List.of("ab. ", "cab!", "! ", "a\n", "abca", "abca", "ab"), texts);
    }
}
