package org.ddpm4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line that runs the ddpm CLI in a new JVM with this JVM's Java and class path, as
 * {@code ./ddpm} would (offline DJL, capped direct memory). Used by the kill test and by tests that need a
 * real separate process (crash safety, cross-process reproducibility, the studio server).
 */
public final class ChildJvm {

    private ChildJvm() {}

    /** {@code java -cp <this class path> ... org.ddpm4j.cli.Main <args>}. */
    public static List<String> cli(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("-XX:MaxDirectMemorySize=512m");
        cmd.add("-Dai.djl.offline=true");
        cmd.add("org.ddpm4j.cli.Main");
        cmd.addAll(args);
        return cmd;
    }

    /** A process builder for {@link #cli}, with PyTorch's C++ log quietened. */
    public static ProcessBuilder builder(List<String> args) {
        ProcessBuilder pb = new ProcessBuilder(cli(args));
        pb.environment().putIfAbsent("TORCH_CPP_LOG_LEVEL", "ERROR");
        return pb;
    }
}
