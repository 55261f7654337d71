package org.ddpm4j.reliability;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.ddpm4j.checkpoint.CheckpointFile;
import org.ddpm4j.checkpoint.Run;
import org.ddpm4j.checkpoint.Tensor;
import org.ddpm4j.util.Rng;

/**
 * The crash-safety experiment: trains one run uninterrupted, and the same run (same flags, same seed) as a
 * child process that is killed with SIGKILL again and again, alternately at a random moment and just as a
 * checkpoint's temporary file appears (mid-write), then resumed with {@code --resume} from whatever is on
 * disk. After every kill the checkpoint on disk must load; at the end the loss log and every tensor of the
 * final checkpoint (weights, EMA, Adam moments) must equal the uninterrupted run's, bit for bit.
 *
 * <p>Usage: {@code java -cp target/ddpm4j.jar:target/lib/* org.ddpm4j.reliability.KillTest WORKDIR KILLS SEED
 * TRAIN_FLAGS...} (the flags without --out, --resume or --force).
 */
public final class KillTest {

    /** What happened: kills done (and how many of them mid-checkpoint-write), restarts, and the verdict. */
    public record Result(int kills, int midWriteKills, int restarts, int stepsCompared, int tensorsCompared, List<String> problems) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private KillTest() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: KillTest WORKDIR KILLS SEED TRAIN_FLAGS...");
            System.exit(2);
        }
        Result r = run(Path.of(args[0]), Integer.parseInt(args[1]), Long.parseLong(args[2]),
                List.of(Arrays.copyOfRange(args, 3, args.length)), 1500, 6000);
        System.out.printf(Locale.ROOT, "kills %d (%d during a checkpoint write), restarts %d, log lines compared %d, tensors compared %d%n",
                r.kills(), r.midWriteKills(), r.restarts(), r.stepsCompared(), r.tensorsCompared());
        System.out.println(r.ok() ? "PASS: the killed-and-resumed run equals the uninterrupted one bit for bit"
                : "FAIL: " + String.join("; ", r.problems()));
        System.exit(r.ok() ? 0 : 1);
    }

    /**
     * @param minDelayMs earliest random kill after a (re)start, to get past JVM start-up
     * @param maxDelayMs latest random kill after a (re)start
     */
    public static Result run(Path work, int kills, long seed, List<String> trainFlags, long minDelayMs, long maxDelayMs)
            throws IOException, InterruptedException {
        Files.createDirectories(work);
        Path ref = work.resolve("uninterrupted");
        Path crash = work.resolve("killed");
        List<String> problems = new ArrayList<>();
        int code = start(trainFlags, ref, false, work.resolve("uninterrupted.log")).waitFor();
        if (code != 0) {
            problems.add("the uninterrupted run failed (exit " + code + ", see " + work.resolve("uninterrupted.log") + ")");
            return new Result(0, 0, 0, 0, 0, problems);
        }
        Rng rng = new Rng(seed);
        int done = 0;
        int midWrite = 0;
        int restarts = 0;
        while (true) {
            boolean resume = Run.exists(crash);
            Process p = start(trainFlags, crash, resume, work.resolve("killed-" + restarts + ".log"));
            restarts++;
            if (done >= kills) {
                code = p.waitFor();
                if (code != 0) {
                    problems.add("the final resume failed (exit " + code + ")");
                }
                break;
            }
            boolean atWrite = done % 2 == 1;
            long deadline = System.currentTimeMillis() + minDelayMs + (long) (rng.nextDouble() * (maxDelayMs - minDelayMs));
            boolean hitWrite = false;
            while (p.isAlive()) {
                if (atWrite ? (hitWrite = tempFilePresent(crash)) : System.currentTimeMillis() >= deadline) {
                    break;
                }
                if (atWrite && System.currentTimeMillis() >= deadline + 20_000) {
                    break; // no checkpoint write seen for a long time: kill anyway
                }
                Thread.sleep(atWrite ? 1 : 10);
            }
            if (!p.isAlive()) {
                code = p.exitValue();
                if (code != 0) {
                    problems.add("a run exited with " + code + " before it was killed");
                    break;
                }
                break; // finished before the kill came: the run is complete
            }
            p.destroyForcibly(); // SIGKILL
            p.waitFor(30, TimeUnit.SECONDS);
            done++;
            midWrite += hitWrite ? 1 : 0;
            if (Run.exists(crash)) {
                try {
                    CheckpointFile.read(crash.resolve(Run.CHECKPOINT));
                } catch (RuntimeException e) {
                    problems.add("after kill " + done + " the checkpoint does not load: " + e.getMessage());
                    break;
                }
            }
        }
        int lines = 0;
        int tensors = 0;
        if (problems.isEmpty()) {
            List<String> a = stripTimings(Files.readAllLines(ref.resolve(Run.LOG)));
            List<String> b = stripTimings(Files.readAllLines(crash.resolve(Run.LOG)));
            lines = a.size();
            if (!a.equals(b)) {
                int first = 0;
                while (first < Math.min(a.size(), b.size()) && a.get(first).equals(b.get(first))) {
                    first++;
                }
                problems.add("the loss logs differ (" + a.size() + " vs " + b.size() + " lines; first difference at line " + (first + 1) + ")");
            }
            Map<String, Tensor> ta = CheckpointFile.read(ref.resolve(Run.CHECKPOINT)).tensors();
            Map<String, Tensor> tb = CheckpointFile.read(crash.resolve(Run.CHECKPOINT)).tensors();
            if (!ta.keySet().equals(tb.keySet())) {
                problems.add("the final checkpoints hold different tensors");
            } else {
                int differ = 0;
                for (String k : ta.keySet()) {
                    tensors++;
                    if (!Arrays.equals(ta.get(k).data(), tb.get(k).data())) {
                        differ++;
                    }
                }
                if (differ > 0) {
                    problems.add(differ + " of " + tensors + " final tensors differ");
                }
            }
        }
        return new Result(done, midWrite, restarts, lines, tensors, problems);
    }

    private static Process start(List<String> flags, Path out, boolean resume, Path log) throws IOException {
        List<String> args = new ArrayList<>(List.of("train"));
        if (resume) {
            args.addAll(List.of("--out", out.toString(), "--resume"));
        } else {
            args.addAll(flags);
            args.addAll(List.of("--out", out.toString(), "--force"));
        }
        return org.ddpm4j.cli.ChildJvm.builder(args).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static boolean tempFilePresent(Path run) {
        if (!Files.isDirectory(run)) {
            return false;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(run, "." + Run.CHECKPOINT + ".tmp-*")) {
            return ds.iterator().hasNext();
        } catch (IOException e) {
            return false;
        }
    }

    /** Wall-clock fields (speed, memory) legitimately differ between runs; the losses and steps must not. */
    public static List<String> stripTimings(List<String> lines) {
        return lines.stream().map(l -> l.replaceAll(",\"(rss_mib|images_per_s)\":[0-9.]+", "")).toList();
    }

}
