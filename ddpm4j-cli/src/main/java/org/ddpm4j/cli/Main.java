package org.ddpm4j.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import org.ddpm4j.DdpmException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ddpm} command line. {@link #run} is the testable entry point: it parses, runs and returns
 * the exit code (0 success, 1 failed run, 2 bad usage); only {@link #main} calls {@code System.exit}.
 */
@Command(
        name = "ddpm",
        mixinStandardHelpOptions = true,
        version = "ddpm4j 0.1.0",
        description = "Train denoising diffusion models (DDPM) on images and generate new ones, on a CPU.",
        subcommands = {DemoCommand.class, TrainCommand.class, SampleCommand.class, EvalCommand.class, TuneStepsCommand.class, WeightsCommand.class, DistillCommand.class, InpaintCommand.class, BenchCommand.class, ServeCommand.class})
public final class Main implements Runnable {

    /** Exit code of a run that failed on bad input or environment. */
    public static final int EXIT_FAILURE = 1;
    /** Exit code of a command line that could not be parsed. */
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Where commands print results (stdout) and progress and errors (stderr). */
    final PrintStream out;
    final PrintStream err;

    Main(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command (demo, train or sample)");
    }

    public static void main(String[] args) {
        System.exit(run(System.out, System.err, args));
    }

    /** Runs the CLI with the given streams; returns the exit code. */
    public static int run(PrintStream out, PrintStream err, String... args) {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        CommandLine cl = new CommandLine(new Main(out, err));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((ex, a) -> {
            String cmd = ex.getCommandLine().getCommandSpec().qualifiedName(" ");
            err.println("error: " + ex.getMessage() + " (see '" + cmd.replaceFirst("^ddpm", "./ddpm") + " --help')");
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, cmdLine, parsed) -> {
            if (ex instanceof DdpmException de) {
                err.println("error: " + de.flagMessage()); // the library names settings; the CLI shows them as flags
            } else {
                err.println("error: unexpected " + ex.getClass().getSimpleName() + ": " + ex.getMessage()
                        + " (set DDPM4J_DEBUG=1 for the stack trace)");
                if (System.getenv("DDPM4J_DEBUG") != null) {
                    ex.printStackTrace(err);
                }
            }
            return EXIT_FAILURE;
        });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            err.println("error: out of memory (try a smaller --batch or --n)");
            return EXIT_FAILURE;
        } catch (RuntimeException | Error e) {
            err.println("error: unexpected " + e.getClass().getSimpleName() + ": " + e.getMessage());
            return EXIT_FAILURE;
        }
    }
}
