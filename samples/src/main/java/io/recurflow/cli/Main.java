package io.recurflow.cli;

import io.recurflow.interp.RunException;
import io.recurflow.ir.GraphException;
import io.recurflow.runtime.bundle.BundleException;
import io.recurflow.runtime.cl.NoOpenClException;
import io.recurflow.runtime.cl.OpenClException;
import io.recurflow.runtime.safetensors.SafeTensorsException;
import io.recurflow.scc.GraphvizMissingException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code recurflow} command line: user errors exit 1 with one line, usage errors 2. */
@Command(name = "recurflow", mixinStandardHelpOptions = true, version = "Recurflow 0.1.0-SNAPSHOT",
        description = "A compiler for recurrent neural networks with automatic parallel scheduling on OpenCL.",
        subcommands = {DemoCommand.class, DevicesCommand.class, AnalyzeCommand.class, DotCommand.class,
            RunCommand.class, BenchCommand.class, GradcheckCommand.class, TrainCommand.class,
            GenerateCommand.class, CompileCommand.class, ClasspathCommand.class, InspectCommand.class,
            CalibrateCommand.class,
            CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces of errors.")
    boolean debug;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit code (for tests: no System.exit). */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> report(ex, cmd, debugRequested(args)));
        return cl.execute(args);
    }

    private static boolean debugRequested(String[] args) {
        for (String a : args) {
            if (a.equals("--debug")) {
                return true;
            }
        }
        return false;
    }

    private static int report(Exception ex, CommandLine cmd, boolean debug) {
        PrintWriter err = cmd.getErr();
        if (isUserError(ex)) {
            err.println("error: " + ex.getMessage());
        } else {
            err.println("internal error: " + ex + (debug ? "" : " (run with --debug for the stack trace)"));
        }
        if (debug) {
            ex.printStackTrace(err);
        }
        err.flush();
        return 1;
    }

    private static boolean isUserError(Exception ex) {
        return ex instanceof UserException || ex instanceof GraphException || ex instanceof RunException
                || ex instanceof SafeTensorsException || ex instanceof NoOpenClException || ex instanceof OpenClException
                || ex instanceof GraphvizMissingException || ex instanceof UncheckedIOException
                || ex instanceof io.recurflow.samples.charlm.CharLmException || ex instanceof BundleException;
    }
}
