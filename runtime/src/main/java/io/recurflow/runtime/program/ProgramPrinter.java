package io.recurflow.runtime.program;

import java.util.List;

/**
 * A readable, deterministic listing of a {@link Program}: header, buffers, kernels, then the setup and
 * run instructions one a line. It also prints invalid programs (out-of-range ids show as {@code ?}),
 * so that a verifier error can be read next to the listing.
 *
 * <pre>
 * program vadd: 1 queue, source 311 bytes sha256 9c1185a5c5e9fc54
 * buffers:
 *   b0 x 256 bytes INPUT
 * kernels:
 *   k0 vadd(buffer, buffer, buffer, int)
 * setup:
 *   write b1 &lt;- "w" on q0
 * run:
 *   launch k0 vadd(b0, b1, b2, i:64) global=[64] local=- on q0 wait [e2] -&gt; e5  # label
 *   read b2 -&gt; "y" on q0
 * </pre>
 */
public final class ProgramPrinter {
    private ProgramPrinter() {
    }

    /** The listing of {@code p}, lines ended by {@code \n}. */
    public static String print(Program p) {
        StringBuilder sb = new StringBuilder();
        String source = p.source() == null ? "" : p.source();
        sb.append("program ").append(p.name()).append(": ").append(p.queues()).append(p.queues() == 1 ? " queue" : " queues")
                .append(", source ").append(source.getBytes(java.nio.charset.StandardCharsets.UTF_8).length)
                .append(" bytes sha256 ").append(Program.sha256(source), 0, 16).append('\n');
        sb.append("buffers:\n");
        for (int i = 0; i < p.buffers().size(); i++) {
            BufferSpec b = p.buffers().get(i);
            sb.append("  b").append(b.id()).append(' ').append(b.name()).append(' ').append(b.bytes()).append(" bytes ")
                    .append(b.role()).append('\n');
        }
        sb.append("kernels:\n");
        for (KernelSpec k : p.kernels()) {
            sb.append("  k").append(k.id()).append(' ').append(k.function()).append('(');
            for (int a = 0; a < k.params().size(); a++) {
                sb.append(a == 0 ? "" : ", ").append(String.valueOf(k.params().get(a)).toLowerCase(java.util.Locale.ROOT));
            }
            sb.append(")\n");
        }
        list(sb, "setup", p, p.setup());
        list(sb, "run", p, p.run());
        return sb.toString();
    }

    private static final java.util.regex.Pattern KERNEL_NUMBER = java.util.regex.Pattern.compile("^  launch k\\d+ ");
    private static final java.util.regex.Pattern LABEL = java.util.regex.Pattern.compile("  # .*$");

    /**
     * What {@code p} runs, for telling whether two programs are the same: its listing without the header
     * (which names it), the kernel table, kernel numbers and launch labels, then the source of each
     * kernel function by name, in name order, and the source's other lines as a sorted set. Two programs
     * with equal forms launch the same kernel code with the same arguments on the same buffers in the
     * same order, whatever their names and the order of their kernels in the source.
     */
    public static String canonical(Program p) {
        StringBuilder sb = new StringBuilder("queues ").append(p.queues()).append('\n');
        String[] lines = print(p).split("\n");
        boolean kernelTable = false;
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].equals("kernels:")) {
                kernelTable = true;
                continue;
            }
            if (kernelTable && lines[i].startsWith("  k")) {
                continue;
            }
            kernelTable = false;
            sb.append(LABEL.matcher(KERNEL_NUMBER.matcher(lines[i]).replaceFirst("  launch ")).replaceFirst(""))
                    .append('\n');
        }
        String source = p.source() == null ? "" : p.source();
        java.util.TreeMap<String, String> functions = new java.util.TreeMap<>();
        StringBuilder rest = new StringBuilder(source);
        for (KernelSpec k : p.kernels()) {
            int[] span = functionSpan(rest.toString(), k.function());
            if (span == null) {
                return sb.append(source).toString();
            }
            functions.put(k.function(), rest.substring(span[0], span[1]));
            rest.delete(span[0], span[1]);
        }
        functions.values().forEach(f -> sb.append(f).append('\n'));
        new java.util.TreeSet<>(List.of(rest.toString().split("\n"))).forEach(l -> sb.append(l).append('\n'));
        return sb.toString();
    }

    /**
     * Where kernel function {@code name} is in {@code source}: from its {@code __kernel} to its closing
     * brace; null if it cannot be found.
     */
    private static int[] functionSpan(String source, String name) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\bvoid\\s+" + java.util.regex.Pattern.quote(name)
                + "\\s*\\(").matcher(source);
        if (!m.find()) {
            return null;
        }
        int start = source.lastIndexOf("__kernel", m.start());
        int open = source.indexOf('{', m.end());
        if (start < 0 || open < 0) {
            return null;
        }
        int depth = 0;
        for (int i = open; i < source.length(); i++) {
            char c = source.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return new int[] {start, i + 1};
            }
        }
        return null;
    }

    private static void list(StringBuilder sb, String title, Program p, List<Instr> instrs) {
        sb.append(title).append(":\n");
        if (instrs.isEmpty()) {
            sb.append("  (none)\n");
        }
        for (Instr in : instrs) {
            sb.append("  ").append(line(p, in)).append('\n');
        }
    }

    /** The one-line form of instruction {@code in} of program {@code p}, without indentation. */
    public static String line(Program p, Instr in) {
        if (in instanceof Instr.Write) {
            Instr.Write w = (Instr.Write) in;
            return "write b" + w.buffer() + " <- \"" + w.host() + "\" on q" + w.queue();
        }
        if (in instanceof Instr.Fill) {
            Instr.Fill f = (Instr.Fill) in;
            return "fill b" + f.buffer() + " = " + f.value() + " on q" + f.queue();
        }
        if (in instanceof Instr.Read) {
            Instr.Read r = (Instr.Read) in;
            return "read b" + r.buffer() + " -> \"" + r.host() + "\" on q" + r.queue();
        }
        Instr.Launch l = (Instr.Launch) in;
        StringBuilder sb = new StringBuilder("launch k").append(l.kernel()).append(' ');
        boolean known = l.kernel() >= 0 && l.kernel() < p.kernels().size();
        sb.append(known ? p.kernel(l.kernel()).function() : "?").append('(');
        for (int a = 0; a < l.args().size(); a++) {
            sb.append(a == 0 ? "" : ", ").append(arg(l.args().get(a)));
        }
        sb.append(") global=").append(ProgramVerifier.dims(l.global()))
                .append(" local=").append(l.local() == null ? "-" : ProgramVerifier.dims(l.local()))
                .append(" on q").append(l.queue());
        if (!l.waits().isEmpty()) {
            sb.append(" wait [");
            for (int w = 0; w < l.waits().size(); w++) {
                sb.append(w == 0 ? "e" : ", e").append(l.waits().get(w));
            }
            sb.append(']');
        }
        if (l.event() >= 0) {
            sb.append(" -> e").append(l.event());
        }
        if (l.label() != null && !l.label().isBlank()) {
            // a label never breaks the one-line form
            sb.append("  # ").append(l.label().replace('\n', ' ').replace('\r', ' '));
        }
        return sb.toString();
    }

    private static String arg(Arg a) {
        if (a instanceof Arg.Buffer) {
            return "b" + ((Arg.Buffer) a).buffer();
        }
        if (a instanceof Arg.Int) {
            return "i:" + ((Arg.Int) a).value();
        }
        return "f:" + ((Arg.Float) a).value();
    }
}
