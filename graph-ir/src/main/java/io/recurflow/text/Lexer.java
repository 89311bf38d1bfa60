package io.recurflow.text;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits graph text into tokens, all at once so that the parser can look ahead freely. {@code #}
 * starts a comment that runs to the end of the line; whitespace only separates tokens.
 */
final class Lexer {
    enum Kind {
        /** A bare word: keyword, op, dtype, dimension symbol, attribute key, axis or graph name. */
        WORD,
        /** A node reference {@code %name} or {@code %"quoted name"}; the text is the name alone. */
        NODE,
        /** An unsigned decimal number, integer or floating point; signs are separate tokens. */
        NUMBER,
        /** A double-quoted string; the text is unescaped. */
        STRING,
        /** One of {@code { } ( ) [ ] , = : @ - +}. */
        PUNCT,
        EOF
    }

    record Token(Kind kind, String text, int line, int column) {
        boolean is(String s) {
            return (kind == Kind.PUNCT || kind == Kind.WORD) && text.equals(s);
        }

        /** How an error message shows this token. */
        String describe() {
            return switch (kind) {
                case EOF -> "end of input";
                case NODE -> "%" + GraphPrinter.nodeName(text);
                case STRING -> GraphPrinter.quote(text);
                case WORD, NUMBER, PUNCT -> "'" + text + "'";
            };
        }
    }

    private static final String PUNCTUATION = "{}()[],=:@-+";

    private final String text;
    private final String sourceName;
    private final List<Token> tokens = new ArrayList<>();
    private int pos;
    private int line = 1;
    private int column = 1;

    private Lexer(String text, String sourceName) {
        this.text = text;
        this.sourceName = sourceName;
    }

    static List<Token> tokenize(String text, String sourceName) {
        Lexer lexer = new Lexer(text, sourceName);
        lexer.run();
        return lexer.tokens;
    }

    /** Characters of a bare node name; the printer quotes any name with others. */
    static boolean isNameChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.'
                || c == '/';
    }

    /** A bare word starts like an identifier, so that it cannot be mistaken for a number. */
    static boolean isWordStart(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private void run() {
        while (true) {
            skipBlanks();
            if (pos == text.length()) {
                tokens.add(new Token(Kind.EOF, "", line, column));
                return;
            }
            int startLine = line;
            int startColumn = column;
            char c = text.charAt(pos);
            if (c == '%') {
                advance();
                String name;
                if (pos < text.length() && text.charAt(pos) == '"') {
                    name = readString();
                } else {
                    name = readWhile(true);
                    if (name.isEmpty()) {
                        throw error(startLine, startColumn, "expected a node name after '%'");
                    }
                }
                tokens.add(new Token(Kind.NODE, name, startLine, startColumn));
            } else if (isWordStart(c)) {
                tokens.add(new Token(Kind.WORD, readWhile(true), startLine, startColumn));
            } else if (isDigit(c)) {
                tokens.add(new Token(Kind.NUMBER, readNumber(), startLine, startColumn));
            } else if (c == '"') {
                tokens.add(new Token(Kind.STRING, readString(), startLine, startColumn));
            } else if (PUNCTUATION.indexOf(c) >= 0) {
                advance();
                tokens.add(new Token(Kind.PUNCT, String.valueOf(c), startLine, startColumn));
            } else {
                throw error(startLine, startColumn, "unexpected character '" + c + "'");
            }
        }
    }

    private void skipBlanks() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '#') {
                while (pos < text.length() && text.charAt(pos) != '\n') {
                    advance();
                }
            } else if (Character.isWhitespace(c)) {
                advance();
            } else {
                return;
            }
        }
    }

    private void advance() {
        if (text.charAt(pos) == '\n') {
            line++;
            column = 1;
        } else {
            column++;
        }
        pos++;
    }

    private String readWhile(boolean nameChars) {
        int start = pos;
        while (pos < text.length() && (nameChars ? isNameChar(text.charAt(pos)) : isDigit(text.charAt(pos)))) {
            advance();
        }
        return text.substring(start, pos);
    }

    /** digits [. digits] [e|E [+|-] digits], the shape of Double.toString's output. */
    private String readNumber() {
        int start = pos;
        readWhile(false);
        if (pos + 1 < text.length() && text.charAt(pos) == '.' && isDigit(text.charAt(pos + 1))) {
            advance();
            readWhile(false);
        }
        if (pos < text.length() && (text.charAt(pos) == 'e' || text.charAt(pos) == 'E')) {
            int exponentLine = line;
            int exponentColumn = column;
            advance();
            if (pos < text.length() && (text.charAt(pos) == '+' || text.charAt(pos) == '-')) {
                advance();
            }
            if (readWhile(false).isEmpty()) {
                throw error(exponentLine, exponentColumn, "malformed number '" + text.substring(start, pos)
                        + "': the exponent has no digits");
            }
        }
        return text.substring(start, pos);
    }

    private String readString() {
        int startLine = line;
        int startColumn = column;
        advance();
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos == text.length() || text.charAt(pos) == '\n') {
                throw error(startLine, startColumn, "unterminated string");
            }
            char c = text.charAt(pos);
            if (c == '"') {
                advance();
                return sb.toString();
            }
            if (c != '\\') {
                sb.append(c);
                advance();
                continue;
            }
            int escapeLine = line;
            int escapeColumn = column;
            advance();
            char e = pos < text.length() ? text.charAt(pos) : '\0';
            switch (e) {
                case '"', '\\' -> sb.append(e);
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case 'u' -> {
                    if (pos + 5 > text.length()) {
                        throw error(escapeLine, escapeColumn, "bad escape: \\u needs four hex digits");
                    }
                    String hex = text.substring(pos + 1, pos + 5);
                    if (!hex.chars().allMatch(h -> "0123456789abcdefABCDEF".indexOf(h) >= 0)) {
                        throw error(escapeLine, escapeColumn, "bad escape \\u" + hex + ": \\u needs four hex digits");
                    }
                    sb.append((char) Integer.parseInt(hex, 16));
                    for (int i = 0; i < 4; i++) {
                        advance();
                    }
                }
                default -> throw error(escapeLine, escapeColumn, "bad escape \\" + e
                        + " in string: use \\\", \\\\, \\n, \\t, \\r or \\uXXXX");
            }
            advance();
        }
    }

    private ParseException error(int atLine, int atColumn, String message) {
        return new ParseException(sourceName, atLine, atColumn, message);
    }
}
