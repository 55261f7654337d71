package org.ddpm4j.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.ddpm4j.DdpmException;
import org.ddpm4j.checkpoint.RunLock;
import org.ddpm4j.cli.CliTest;
import org.ddpm4j.util.AtomicFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Crashes, locks and failing writes (the small, fast versions of bench/killtest.sh). */
class CrashSafetyTest {

    @TempDir
    Path dir;

    @Test
    void killedAgainAndAgainThenResumedEqualsUninterrupted() throws Exception {
        Path data = CliTest.tinyData(dir);
        KillTest.Result r = KillTest.run(dir.resolve("kill"), 4, 1, List.of("--data", "idx:" + data, "--steps", "200", "--batch", "4",
                "--base", "8", "--mults", "1,2", "--blocks", "1", "--checkpoint-every", "1", "--sample-every", "0", "--seed", "3"), 800, 2500);
        assertTrue(r.ok(), String.join("; ", r.problems()));
        assertTrue(r.kills() >= 1, "at least one kill landed: " + r);
        assertEquals(200, r.stepsCompared());
    }

    @Test
    void aSecondTrainingOnTheSameRunIsRefusedAndACrashedHolderLeavesNoLock() throws Exception {
        Path run = dir.resolve("run");
        try (RunLock held = RunLock.acquire(run)) {
            DdpmException e = assertThrows(DdpmException.class, () -> RunLock.acquire(run));
            assertTrue(e.getMessage().contains("in use by another training") && e.getMessage().contains("pid " + ProcessHandle.current().pid()),
                    e.getMessage());
        }
        RunLock.acquire(run).close(); // released on close

        // another process takes the lock and dies by SIGKILL: the kernel drops its lock with it
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), LockHolder.class.getName(), run.toString()).redirectErrorStream(true).start();
        String first = new String(holder.getInputStream().readNBytes(6), StandardCharsets.UTF_8);
        assertEquals("locked", first);
        assertThrows(DdpmException.class, () -> RunLock.acquire(run));
        holder.destroyForcibly();
        assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
        RunLock.acquire(run).close();
    }

    /** Holds a run's lock until killed. */
    public static final class LockHolder {
        public static void main(String[] args) throws InterruptedException {
            RunLock.acquire(Path.of(args[0]));
            System.out.print("locked");
            System.out.flush();
            Thread.sleep(600_000);
        }
    }

    @Test
    void aWriteThatFailsHalfwayLeavesThePreviousFileAndNoTemporary() throws IOException {
        Path f = dir.resolve("checkpoint.ddpm");
        AtomicFiles.writeString(f, "the good one");
        DdpmException e = assertThrows(DdpmException.class, () -> AtomicFiles.write(f, os -> {
            os.write(new byte[100_000]);
            throw new IOException("No space left on device");
        }));
        assertEquals("cannot write " + f + ": No space left on device", e.getMessage());
        assertEquals("the good one", Files.readString(f));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(f), files.toList(), "no temporary file is left behind");
        }
        assertThrows(IllegalStateException.class, () -> AtomicFiles.write(f, os -> {
            throw new IllegalStateException("a bug in the writer");
        }));
        assertEquals("the good one", Files.readString(f));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void aStaleTemporaryFromAKilledWriterIsClearedByTheNextTraining() throws IOException {
        Path run = Files.createDirectories(dir.resolve("run2"));
        Path stale = run.resolve(".checkpoint.ddpm.tmp-999999");
        Files.write(stale, new byte[1000]);
        RunLock.acquire(run).close();
        assertFalse(Files.exists(stale));
    }

    @Test
    void anUnwritableOutputFailsWithOneLineBeforeAnyWork() throws IOException {
        Path data = CliTest.tinyData(dir);
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        List<Path> unwritable = new java.util.ArrayList<>(List.of(file.resolve("run")));
        if (Files.isDirectory(Path.of("/sys/kernel"))) {
            unwritable.add(Path.of("/sys/kernel/ddpm4j-run")); // sysfs: no new files, even for root
        }
        for (Path out : unwritable) {
            java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
            long t0 = System.nanoTime();
            int code = org.ddpm4j.cli.Main.run(new java.io.PrintStream(new java.io.ByteArrayOutputStream()), new java.io.PrintStream(err, true),
                    "train", "--data", "idx:" + data, "--steps", "1000000", "--batch", "4", "--base", "8", "--mults", "1,2", "--blocks", "1",
                    "--out", out.toString());
            String msg = err.toString(StandardCharsets.UTF_8).strip();
            assertEquals(1, code, msg);
            assertTrue(msg.startsWith("error: ") && !msg.contains("\n") && msg.contains(out.toString().substring(0, 5)), msg);
            assertTrue(System.nanoTime() - t0 < 20e9, "fails at once, not after training");
        }
    }

    private static int child(Path log, String... args) throws Exception {
        return org.ddpm4j.cli.ChildJvm.builder(List.of(args)).redirectErrorStream(true).redirectOutput(log.toFile()).start().waitFor();
    }

    @Test
    void aRunResumedInANewProcessEqualsTheUninterruptedOne() throws Exception {
        Path data = CliTest.tinyData(dir);
        String[] common = {"train", "--data", "idx:" + data, "--steps", "12", "--batch", "4", "--base", "8", "--mults", "1,2", "--blocks", "1",
            "--checkpoint-every", "5", "--sample-every", "0", "--seed", "7", "--out"};
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        String[] ua = java.util.Arrays.copyOf(common, common.length + 1);
        ua[common.length] = a.toString();
        assertEquals(0, child(dir.resolve("a.log"), ua));
        String[] ub = java.util.Arrays.copyOf(common, common.length + 3);
        ub[common.length] = b.toString();
        ub[common.length + 1] = "--stop-after";
        ub[common.length + 2] = "7";
        assertEquals(0, child(dir.resolve("b1.log"), ub)); // a "crash" after step 7: the checkpoint is from step 5
        assertEquals(0, child(dir.resolve("b2.log"), "train", "--out", b.toString(), "--resume"));
        assertEquals(KillTest.stripTimings(Files.readAllLines(a.resolve("train_log.jsonl"))),
                KillTest.stripTimings(Files.readAllLines(b.resolve("train_log.jsonl"))));
    }
}
