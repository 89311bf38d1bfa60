package io.recurflow.text;

import io.recurflow.ir.Attrs;
import io.recurflow.ir.DType;
import io.recurflow.ir.Dim;
import io.recurflow.ir.Graph;
import io.recurflow.ir.GraphException;
import io.recurflow.ir.Node;
import io.recurflow.ir.Op;
import io.recurflow.ir.Operand;
import io.recurflow.ir.Shape;
import io.recurflow.ir.TypeRules;
import io.recurflow.ir.Verifier;
import io.recurflow.text.Lexer.Kind;
import io.recurflow.text.Lexer.Token;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Reads the text form written by {@link GraphPrinter} into a verified {@link Graph}; types of
 * computed nodes may be left out and are then inferred. Errors are {@link ParseException}s.
 *
 * <pre>
 * graph    := 'graph' word '{' (node | outputs)* '}'          at most one outputs
 * node     := %name '=' op '(' [operand (',' operand)*] ')' [attrs] [':' type]
 * operand  := %name ['[' 't' [('-' | '+') INT] [',' 'init' '=' %name] ']']
 * attrs    := '{' [word '=' value (',' word '=' value)*] '}'
 * value    := ['-'] INT | ['-'] FLOAT | ['-'] 'Infinity' | 'NaN' | 'true' | 'false' | STRING
 * type     := dtype '[' [dim (',' dim)*] ']' ['@' word]        dim := INT | 'B' | 'T'
 * outputs  := 'outputs' %name (',' %name)*
 * word     := WORD | STRING      %name := '%' [A-Za-z0-9_./]+ | '%' STRING
 * </pre>
 */
public final class GraphParser {
    private record Ref(String name, Token at) {
    }

    private record OperandText(Ref source, int delay, Ref init) {
    }

    private record Statement(Token nameToken, Op op, Token opToken, List<OperandText> operands, Attrs attrs,
                             TypeRules.Type declared, Token typeToken) {
        String name() {
            return nameToken.text();
        }
    }

    private final String sourceName;
    private final List<Token> tokens;
    private int next;
    private final List<Statement> statements = new ArrayList<>();
    private final Map<String, Integer> byName = new HashMap<>();
    private List<Ref> outputs;

    private GraphParser(String text, String sourceName) {
        this.sourceName = sourceName;
        this.tokens = Lexer.tokenize(text, sourceName);
    }

    public static Graph parse(String text) {
        return parse(text, "<input>");
    }

    /** Parses {@code text}; {@code sourceName} (a file name, say) starts every error message. */
    public static Graph parse(String text, String sourceName) {
        return new GraphParser(text, sourceName).parseGraph();
    }

    // ---- syntax ---------------------------------------------------------------------------------

    private Graph parseGraph() {
        expect("graph");
        String graphName = word("a graph name");
        expect("{");
        while (!peek().is("}")) {
            Token t = peek();
            if (t.kind() == Kind.NODE) {
                statement();
            } else if (t.is("outputs")) {
                outputsStatement();
            } else {
                throw error(t, "expected a node (%name = op(...)), 'outputs' or '}' but found " + t.describe());
            }
        }
        expect("}");
        if (peek().kind() != Kind.EOF) {
            throw error(peek(), "expected end of input after the graph's '}' but found " + peek().describe());
        }
        return build(graphName);
    }

    private void statement() {
        Token nameToken = take();
        Integer earlier = byName.get(nameToken.text());
        if (earlier != null) {
            Token first = statements.get(earlier).nameToken();
            throw error(nameToken, "duplicate node name %" + GraphPrinter.nodeName(nameToken.text())
                    + " (first defined at " + first.line() + ":" + first.column() + ")");
        }
        expect("=");
        Token opToken = take();
        if (opToken.kind() != Kind.WORD) {
            throw error(opToken, "expected an op name but found " + opToken.describe());
        }
        Op op = Op.fromText(opToken.text());
        if (op == null) {
            throw error(opToken, "unknown op '" + opToken.text() + "'");
        }
        expect("(");
        List<OperandText> operands = new ArrayList<>();
        if (!peek().is(")")) {
            operands.add(operand());
            while (peek().is(",")) {
                take();
                operands.add(operand());
            }
        }
        expect(")");
        Attrs attrs = peek().is("{") ? attrs() : Attrs.EMPTY;
        TypeRules.Type declared = null;
        Token typeToken = null;
        if (peek().is(":")) {
            take();
            typeToken = peek();
            declared = type();
        }
        byName.put(nameToken.text(), statements.size());
        statements.add(new Statement(nameToken, op, opToken, operands, attrs, declared, typeToken));
    }

    private OperandText operand() {
        Ref source = ref("an operand (%name)");
        if (!peek().is("[")) {
            return new OperandText(source, 0, null);
        }
        take();
        Token step = take();
        if (!step.is("t")) {
            throw error(step, "bad delay: expected t-N (past) or t+N (future) but found " + step.describe());
        }
        int delay = 0;
        if (peek().is("-") || peek().is("+")) {
            Token sign = take();
            Token amount = take();
            long d = amount.kind() == Kind.NUMBER && amount.text().chars().allMatch(Character::isDigit)
                    ? parseLongOr(amount.text(), -1) : -1;
            if (d <= 0 || d > Integer.MAX_VALUE) {
                throw error(amount, "bad delay: expected a step count from 1 to " + Integer.MAX_VALUE + " after 't"
                        + sign.text() + "' but found " + amount.describe());
            }
            delay = sign.is("-") ? (int) d : -(int) d;
        }
        Ref init = null;
        if (peek().is(",")) {
            take();
            Token key = take();
            if (!key.is("init")) {
                throw error(key, "bad delay: expected 'init' but found " + key.describe());
            }
            expect("=");
            init = ref("an initial value (%name)");
        }
        if (delay == 0 && init == null) {
            throw error(step, "bad delay: write %" + GraphPrinter.nodeName(source.name()) + " for the same step, "
                    + "[t-N] for the past or [t+N] for the future");
        }
        if (!peek().is("]")) {
            throw error(peek(), "bad delay: expected ']' but found " + peek().describe());
        }
        take();
        return new OperandText(source, delay, init);
    }

    private Attrs attrs() {
        expect("{");
        Attrs attrs = Attrs.EMPTY;
        if (peek().is("}")) {
            take();
            return attrs;
        }
        while (true) {
            Token keyToken = peek();
            String key = word("an attribute name");
            if (attrs.has(key)) {
                throw error(keyToken, "attribute " + GraphPrinter.word(key) + " is given twice");
            }
            expect("=");
            attrs = attrs.with(key, attrValue(key));
            if (peek().is("}")) {
                take();
                return attrs;
            }
            expect(",");
        }
    }

    private Object attrValue(String key) {
        Token start = take();
        Token t = start;
        boolean negative = start.is("-");
        if (negative) {
            t = take();
        }
        String sign = negative ? "-" : "";
        if (t.kind() == Kind.NUMBER) {
            String text = sign + t.text();
            if (text.contains(".") || text.contains("e") || text.contains("E")) {
                double d = Double.parseDouble(text);
                if (Double.isInfinite(d)) {
                    throw error(start, "bad attribute value " + text + " for " + key
                            + ": out of the range of a double (write Infinity if you mean it)");
                }
                return d;
            }
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw error(start, "bad attribute value " + text + " for " + key + ": integer out of range");
            }
        }
        if (t.is("Infinity")) {
            return negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        if (!negative) {
            if (t.is("NaN")) {
                return Double.NaN;
            }
            if (t.is("true") || t.is("false")) {
                return Boolean.parseBoolean(t.text());
            }
            if (t.kind() == Kind.STRING) {
                return t.text();
            }
        }
        throw error(start, "bad attribute value " + (negative ? "'-' " : "") + t.describe() + " for " + key
                + ": expected a number, NaN, Infinity, true, false or a \"string\"");
    }

    private TypeRules.Type type() {
        Token dtypeToken = take();
        DType dtype = null;
        for (DType d : DType.values()) {
            if (dtypeToken.kind() == Kind.WORD && d.textName().equals(dtypeToken.text())) {
                dtype = d;
            }
        }
        if (dtype == null) {
            throw error(dtypeToken, "expected an element type (f32 or i32) but found " + dtypeToken.describe());
        }
        expect("[");
        List<Dim> dims = new ArrayList<>();
        if (!peek().is("]")) {
            dims.add(dim());
            while (peek().is(",")) {
                take();
                dims.add(dim());
            }
        }
        expect("]");
        String axis = null;
        if (peek().is("@")) {
            take();
            axis = word("a time axis name");
        }
        return new TypeRules.Type(dtype, new Shape(dims), axis);
    }

    private Dim dim() {
        Token t = take();
        if (t.is("B")) {
            return Dim.B;
        }
        if (t.is("T")) {
            return Dim.T;
        }
        long size = t.kind() == Kind.NUMBER && t.text().chars().allMatch(Character::isDigit)
                ? parseLongOr(t.text(), -1) : -1;
        if (size < 0 || size > Integer.MAX_VALUE) {
            throw error(t, "bad dimension " + t.describe() + ": expected a size, B or T");
        }
        return Dim.of((int) size);
    }

    private void outputsStatement() {
        Token keyword = take();
        if (outputs != null) {
            throw error(keyword, "the graph's outputs are listed twice");
        }
        outputs = new ArrayList<>();
        outputs.add(ref("an output (%name)"));
        while (peek().is(",")) {
            take();
            outputs.add(ref("an output (%name)"));
        }
    }

    private Ref ref(String what) {
        Token t = take();
        if (t.kind() != Kind.NODE) {
            throw error(t, "expected " + what + " but found " + t.describe());
        }
        return new Ref(t.text(), t);
    }

    private String word(String what) {
        Token t = take();
        if (t.kind() != Kind.WORD && t.kind() != Kind.STRING) {
            throw error(t, "expected " + what + " but found " + t.describe());
        }
        return t.text();
    }

    private Token peek() {
        return tokens.get(next);
    }

    private Token take() {
        Token t = tokens.get(next);
        if (t.kind() != Kind.EOF) {
            next++;
        }
        return t;
    }

    private void expect(String s) {
        Token t = take();
        if (!t.is(s)) {
            throw error(t, "expected '" + s + "' but found " + t.describe());
        }
    }

    private static long parseLongOr(String digits, long dflt) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    // ---- meaning --------------------------------------------------------------------------------

    private Graph build(String graphName) {
        int n = statements.size();
        List<List<Operand>> operands = new ArrayList<>();
        for (Statement s : statements) {
            List<Operand> resolved = new ArrayList<>();
            for (OperandText o : s.operands()) {
                int init = o.init() == null ? Operand.ZEROS : resolve(o.init());
                resolved.add(new Operand(resolve(o.source()), o.delay(), init));
            }
            operands.add(resolved);
        }
        List<Integer> outputIds = new ArrayList<>();
        if (outputs != null) {
            for (Ref r : outputs) {
                outputIds.add(resolve(r));
            }
        }
        TypeRules.Type[] types = inferTypes(operands);
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Statement s = statements.get(i);
            TypeRules.Type t = types[i];
            nodes.add(new Node(i, s.name(), s.op(), operands.get(i), s.attrs(), t.dtype(), t.shape(), t.axis()));
        }
        try {
            return Verifier.verify(new Graph(graphName, nodes, outputIds));
        } catch (GraphException e) {
            throw new ParseException(sourceName, e.getMessage());
        }
    }

    private int resolve(Ref r) {
        Integer id = byName.get(r.name());
        if (id == null) {
            throw error(r.at(), "unknown node %" + GraphPrinter.nodeName(r.name()));
        }
        return id;
    }

    /**
     * Every node's type. A declared type stands in for the node until its operands are known, which is
     * what lets a cycle be inferred from one declaration; it is then checked against the inferred one.
     * Nodes may read later nodes, so this repeats until nothing more can be inferred.
     */
    private TypeRules.Type[] inferTypes(List<List<Operand>> operands) {
        int n = statements.size();
        TypeRules.Type[] types = new TypeRules.Type[n];
        boolean[] checked = new boolean[n];
        for (int i = 0; i < n; i++) {
            Statement s = statements.get(i);
            if (s.op().isSource()) {
                if (s.declared() == null) {
                    throw error(s.opToken(), "missing type on source node %" + GraphPrinter.nodeName(s.name())
                            + " (" + s.op().textName() + "): write ': dtype[dims]' after it");
                }
                types[i] = infer(s, List.of(), List.of());
                checked[i] = true;
            } else {
                types[i] = s.declared();
            }
        }
        boolean progress = true;
        while (progress) {
            progress = false;
            for (int i = 0; i < n; i++) {
                if (checked[i] || !operandsKnown(operands.get(i), types)) {
                    continue;
                }
                Statement s = statements.get(i);
                List<Node> operandNodes = new ArrayList<>();
                List<Integer> delays = new ArrayList<>();
                for (Operand o : operands.get(i)) {
                    Statement src = statements.get(o.source());
                    TypeRules.Type t = types[o.source()];
                    operandNodes.add(new Node(o.source(), src.name(), src.op(), List.of(), src.attrs(), t.dtype(),
                            t.shape(), t.axis()));
                    delays.add(o.delay());
                }
                TypeRules.Type inferred = infer(s, operandNodes, delays);
                if (s.declared() != null && !s.declared().equals(inferred)) {
                    throw error(s.typeToken(), "node %" + GraphPrinter.nodeName(s.name()) + " is declared "
                            + Verifier.describe(s.declared()) + " but its operands make it "
                            + Verifier.describe(inferred));
                }
                types[i] = inferred;
                checked[i] = true;
                progress = true;
            }
        }
        for (int i = 0; i < n; i++) {
            if (types[i] == null) {
                throw untypedCycle(i, operands, types);
            }
        }
        return types;
    }

    private static boolean operandsKnown(List<Operand> operands, TypeRules.Type[] types) {
        for (Operand o : operands) {
            if (types[o.source()] == null) {
                return false;
            }
        }
        return true;
    }

    private TypeRules.Type infer(Statement s, List<Node> operandNodes, List<Integer> delays) {
        try {
            return TypeRules.infer(s.name(), s.op(), operandNodes, delays, s.attrs(), s.declared());
        } catch (GraphException e) {
            throw error(s.nameToken(), e.getMessage());
        }
    }

    /**
     * Node {@code start} has no type after inference, so one of its operands has none either, and so on:
     * following that chain must come back to a node already seen, and that loop is a cycle in which no
     * node declares a type.
     */
    private ParseException untypedCycle(int start, List<List<Operand>> operands, TypeRules.Type[] types) {
        Set<Integer> path = new LinkedHashSet<>();
        int v = start;
        while (path.add(v)) {
            for (Operand o : operands.get(v)) {
                if (types[o.source()] == null) {
                    v = o.source();
                    break;
                }
            }
        }
        StringJoiner cycle = new StringJoiner(", ");
        boolean inCycle = false;
        for (int u : path) {
            inCycle |= u == v;
            if (inCycle) {
                cycle.add("%" + GraphPrinter.nodeName(statements.get(u).name()));
            }
        }
        Statement s = statements.get(v);
        return error(s.nameToken(), "cannot infer the type of %" + GraphPrinter.nodeName(s.name())
                + ": no node on its cycle through " + cycle + " declares a type");
    }

    private ParseException error(Token at, String message) {
        return new ParseException(sourceName, at.line(), at.column(), message);
    }
}
