package io.recurflow.runtime.program;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks that a {@link Program} can be executed as written: ids in range, launches that match their
 * kernels, sane work sizes, events defined before they are waited on, and host transfers that are
 * ordered against every other use of their buffer across queues.
 *
 * <p>Setup and run are separate instruction lists with separate event ids: setup completes before
 * the first run, and every run completes before the next starts.
 */
public final class ProgramVerifier {
    private ProgramVerifier() {
    }

    /**
     * Throws when {@code p} has any problem.
     *
     * @throws ProgramException listing every problem found
     */
    public static void verify(Program p) {
        List<String> problems = problems(p);
        if (!problems.isEmpty()) {
            throw new ProgramException(p.name(), problems);
        }
    }

    /** Every problem of {@code p}, one line each; empty when the program is valid. */
    public static List<String> problems(Program p) {
        List<String> out = new ArrayList<>();
        if (p.name() == null || p.name().isBlank()) {
            out.add("the program has no name");
        }
        if (p.source() == null || p.source().isBlank()) {
            out.add("the program has no OpenCL source");
        }
        if (p.queues() < 1) {
            out.add("queues is " + p.queues() + ", must be at least 1");
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < p.buffers().size(); i++) {
            BufferSpec b = p.buffers().get(i);
            if (b.id() != i) {
                out.add("buffer " + b.name() + " at position " + i + " has id " + b.id());
            }
            if (b.name() == null || b.name().isBlank()) {
                out.add("buffer b" + i + " has no name");
            } else if (!names.add(b.name())) {
                out.add("buffer b" + i + ": the name '" + b.name() + "' is used by an earlier buffer");
            }
            if (b.role() == null) {
                out.add("buffer b" + i + " '" + b.name() + "' has no role");
            }
        }
        for (int i = 0; i < p.kernels().size(); i++) {
            KernelSpec k = p.kernels().get(i);
            if (k.id() != i) {
                out.add("kernel " + k.function() + " at position " + i + " has id " + k.id());
            }
            if (k.function() == null || !k.function().matches("[A-Za-z_][A-Za-z0-9_]*")) {
                out.add("kernel k" + i + ": '" + k.function() + "' is not an OpenCL function name");
            }
        }
        checkList(p, "setup", p.setup(), out);
        checkList(p, "run", p.run(), out);
        return out;
    }

    private static void checkList(Program p, String list, List<Instr> instrs, List<String> out) {
        int before = out.size();
        Map<Integer, Integer> definedAt = new HashMap<>();
        Set<String> readHosts = new HashSet<>();
        for (int i = 0; i < instrs.size(); i++) {
            Instr in = instrs.get(i);
            String at = list + "[" + i + "] ";
            if (in == null) {
                out.add(at + "is null");
                continue;
            }
            if (in.queue() < 0 || in.queue() >= p.queues()) {
                out.add(at + what(p, in) + ": queue q" + in.queue() + " is not in [0, " + p.queues() + ")");
            }
            if (in instanceof Instr.Write) {
                Instr.Write w = (Instr.Write) in;
                if (bufferOk(p, w.buffer(), at + "write", out)) {
                    wholeFloats(p, w.buffer(), at + "write", out);
                }
                if (w.host() == null || w.host().isBlank()) {
                    out.add(at + "write b" + w.buffer() + " names no host array");
                }
            } else if (in instanceof Instr.Fill) {
                Instr.Fill f = (Instr.Fill) in;
                if (bufferOk(p, f.buffer(), at + "fill", out)) {
                    wholeFloats(p, f.buffer(), at + "fill", out);
                }
            } else if (in instanceof Instr.Read) {
                Instr.Read r = (Instr.Read) in;
                if (bufferOk(p, r.buffer(), at + "read", out)) {
                    wholeFloats(p, r.buffer(), at + "read", out);
                }
                if (r.host() == null || r.host().isBlank()) {
                    out.add(at + "read b" + r.buffer() + " names no host array");
                } else if (!readHosts.add(r.host())) {
                    out.add(at + "read b" + r.buffer() + ": host array \"" + r.host() + "\" is already read by an earlier instruction");
                }
                if (list.equals("setup")) {
                    out.add(at + "read b" + r.buffer() + ": setup cannot read buffers back (nothing receives the data)");
                }
            } else {
                checkLaunch(p, at, (Instr.Launch) in, i, definedAt, out);
            }
        }
        // the order check needs sound queues and events; skip it when the list already has problems
        if (out.size() == before && p.queues() > 1) {
            checkHazards(p, list, instrs, out);
        }
    }

    private static void checkLaunch(Program p, String at, Instr.Launch l, int index, Map<Integer, Integer> definedAt,
                                    List<String> out) {
        String head = at + "launch k" + l.kernel();
        KernelSpec k = null;
        if (l.kernel() < 0 || l.kernel() >= p.kernels().size()) {
            out.add(head + ": kernel id out of range [0, " + p.kernels().size() + ")");
        } else {
            k = p.kernel(l.kernel());
            head = head + " " + k.function();
        }
        if (k != null) {
            if (l.args().size() != k.params().size()) {
                out.add(head + ": " + l.args().size() + " arguments, the kernel takes " + k.params().size());
            }
            for (int a = 0; a < Math.min(l.args().size(), k.params().size()); a++) {
                if (l.args().get(a).kind() != k.params().get(a)) {
                    out.add(head + ": argument " + a + " is " + l.args().get(a).kind() + ", parameter " + a + " is "
                            + k.params().get(a));
                }
            }
        }
        for (Arg a : l.args()) {
            if (a instanceof Arg.Buffer) {
                bufferOk(p, ((Arg.Buffer) a).buffer(), head, out);
            }
        }
        long[] g = l.global();
        if (g.length < 1 || g.length > 3) {
            out.add(head + ": global size has " + g.length + " dimensions, must have 1 to 3");
        }
        for (long x : g) {
            if (x <= 0) {
                out.add(head + ": global size " + dims(g) + " is not positive");
                break;
            }
        }
        long[] loc = l.local();
        if (loc != null) {
            if (loc.length != g.length) {
                out.add(head + ": local size " + dims(loc) + " has " + loc.length + " dimensions, global " + dims(g) + " has "
                        + g.length);
            } else {
                for (int d = 0; d < g.length; d++) {
                    if (loc[d] <= 0) {
                        out.add(head + ": local size " + dims(loc) + " is not positive");
                        break;
                    }
                    if (g[d] > 0 && g[d] % loc[d] != 0) {
                        out.add(head + ": local size " + dims(loc) + " does not divide global size " + dims(g));
                        break;
                    }
                }
            }
        }
        Set<Integer> seen = new HashSet<>();
        for (int e : l.waits()) {
            if (!seen.add(e)) {
                out.add(head + ": waits on e" + e + " twice");
            } else if (e == l.event() && !definedAt.containsKey(e)) {
                out.add(head + ": waits on its own event e" + e);
            } else if (!definedAt.containsKey(e)) {
                out.add(head + ": waits on e" + e + ", which no earlier launch defines");
            }
        }
        if (l.event() < -1) {
            out.add(head + ": event " + l.event() + " is negative (use -1 for none)");
        } else if (l.event() >= 0) {
            Integer prev = definedAt.putIfAbsent(l.event(), index);
            if (prev != null) {
                out.add(head + ": event e" + l.event() + " is already defined by launch [" + prev + "]");
            }
        }
    }

    /**
     * A host transfer's buffer is read or written for sure, so every other use of that buffer in the
     * same list must be ordered against it (launch–launch pairs are the kernel author's business: the
     * plan does not know which arguments a kernel writes).
     */
    private static void checkHazards(Program p, String list, List<Instr> instrs, List<String> out) {
        Ordering order = Ordering.of(instrs, p.queues());
        Map<Integer, List<Integer>> uses = new HashMap<>();
        for (int i = 0; i < instrs.size(); i++) {
            for (int b : new HashSet<>(instrs.get(i).buffers())) {
                uses.computeIfAbsent(b, x -> new ArrayList<>()).add(i);
            }
        }
        for (Map.Entry<Integer, List<Integer>> e : uses.entrySet()) {
            List<Integer> u = e.getValue();
            for (int x = 0; x < u.size(); x++) {
                for (int y = x + 1; y < u.size(); y++) {
                    int i = u.get(x);
                    int j = u.get(y);
                    Instr a = instrs.get(i);
                    Instr b = instrs.get(j);
                    boolean aLaunch = a instanceof Instr.Launch;
                    boolean bLaunch = b instanceof Instr.Launch;
                    if ((aLaunch && bLaunch) || (a instanceof Instr.Read && b instanceof Instr.Read)) {
                        continue;
                    }
                    if (!order.before(i, j)) {
                        BufferSpec buf = p.buffer(e.getKey());
                        out.add(list + "[" + j + "] " + what(p, b) + " on q" + b.queue() + " is not ordered after " + list + "["
                                + i + "] " + what(p, a) + " on q" + a.queue() + ", which also uses b" + buf.id() + " '"
                                + buf.name() + "' (move it to q" + a.queue()
                                + " or order it through a launch that waits on an event)");
                    }
                }
            }
        }
    }

    private static String what(Program p, Instr in) {
        if (in instanceof Instr.Write) {
            return "write b" + ((Instr.Write) in).buffer();
        }
        if (in instanceof Instr.Fill) {
            return "fill b" + ((Instr.Fill) in).buffer();
        }
        if (in instanceof Instr.Read) {
            return "read b" + ((Instr.Read) in).buffer();
        }
        Instr.Launch l = (Instr.Launch) in;
        boolean known = l.kernel() >= 0 && l.kernel() < p.kernels().size();
        return "launch k" + l.kernel() + (known ? " " + p.kernel(l.kernel()).function() : "");
    }

    private static boolean bufferOk(Program p, int buffer, String head, List<String> out) {
        if (buffer < 0 || buffer >= p.buffers().size()) {
            out.add(head + ": buffer b" + buffer + " out of range [0, " + p.buffers().size() + ")");
            return false;
        }
        return true;
    }

    private static void wholeFloats(Program p, int buffer, String head, List<String> out) {
        BufferSpec b = p.buffer(buffer);
        if (b.bytes() % 4 != 0) {
            out.add(head + " b" + buffer + " '" + b.name() + "': " + b.bytes()
                    + " bytes is not a whole number of 4-byte elements");
        }
    }

    static String dims(long[] d) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < d.length; i++) {
            sb.append(i == 0 ? "" : ",").append(d[i]);
        }
        return sb.append(']').toString();
    }
}
