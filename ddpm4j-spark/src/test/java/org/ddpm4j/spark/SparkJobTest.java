package org.ddpm4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.ddpm4j.api.DiffusionModel;
import org.ddpm4j.api.Evaluation;
import org.ddpm4j.api.Generation;
import org.ddpm4j.api.Training;
import org.ddpm4j.data.TinyData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Spark job in embedded local mode, against what the single-process tools make: the PNG files of the
 * {@code ./ddpm} launcher's own {@code sample} command and the FID of {@code DiffusionModel.evaluate}.
 */
@org.junit.jupiter.api.extension.ExtendWith(org.ddpm4j.util.PrivateCache.class)
class SparkJobTest {

    static Path dir;
    static Path plain;
    static Path cond;
    static Path plainRef; // ./ddpm sample of the plain run, seed 3
    static Path condRef; // ./ddpm sample --class all of the conditional run, seeds 3 and 4 in seed-S folders

    SparkSession spark;

    @BeforeAll
    static void trainAndSample() throws Exception {
        dir = Files.createTempDirectory("ddpm4j-spark");
        Path data = TinyData.idx(dir);
        plain = dir.resolve("plain");
        cond = dir.resolve("cond");
        train(Training.unet().data("idx:" + data).digit(1).steps(2), plain);
        train(Training.unet().data("idx:" + data).conditional(true).steps(3), cond);
        plainRef = dir.resolve("ref-plain");
        sample(plainRef, "--run", plain.toString(), "--n", "10", "--batch", "4", "--seed", "3", "--steps", "3");
        condRef = dir.resolve("ref-cond");
        for (String seed : new String[] {"3", "4"}) {
            sample(condRef.resolve("seed-" + seed), "--run", cond.toString(), "--class", "all", "--n", "3", "--batch", "2",
                    "--seed", seed, "--steps", "3");
        }
    }

    static void train(Training.Recipe recipe, Path out) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Training.run(recipe.batch(4).base(8).mults(1, 2).blocks(1).chooseWeights(0).plan(), out, false,
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertTrue(Files.exists(out.resolve(org.ddpm4j.checkpoint.Run.CHECKPOINT)), err.toString(StandardCharsets.UTF_8));
    }

    /** Runs the project's launcher, {@code ./ddpm sample ... --out DIR}, as a user does, in its own process. */
    static void sample(Path out, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of("..", "ddpm").toAbsolutePath().normalize().toString(), "sample"));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--out", out.toString()));
        Path log = Files.createTempFile(dir, "sample", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "./ddpm sample finished");
        assertEquals(0, p.exitValue(), Files.readString(log));
    }

    @AfterEach
    void stop() {
        if (spark != null) {
            spark.stop();
            spark = null;
        }
        ExecutorModels.closeAll();
    }

    /** The PNG files of the job equal the launcher's, byte for byte. */
    static void assertSameFiles(Path ref, Path got, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            String name = String.format("%06d.png", i);
            assertArrayEquals(Files.readAllBytes(ref.resolve(name)), Files.readAllBytes(got.resolve(name)), got + "/" + name);
        }
        try (var files = Files.list(got)) {
            assertEquals(n, files.count(), got + " holds the images only");
        }
    }

    static List<Row> index(SparkSession s, Path out) {
        return s.read().parquet(out.resolve("index.parquet").toString()).orderBy("run", "seed", "index").collectAsList();
    }

    @Test
    void writesTheImagesOfDdpmSampleWhateverTheNumberOfTasks() throws Exception {
        spark = SparkJob.localSession(2, 1);
        JobSettings plainSettings = JobSettings.of(10).withBatch(4).withSampler(null, 3);
        for (int tasks : new int[] {1, 3}) {
            Path out = dir.resolve("plain-" + tasks);
            DistributedJob.Written w = new DistributedJob(List.of(plain), plainSettings, new long[] {3}, tasks).generate(spark, out);
            assertEquals(10, w.images());
            assertEquals(tasks, w.tasks());
            assertSameFiles(plainRef, out.resolve("seed-3"), 10);
            List<Row> rows = index(spark, out);
            assertEquals(10, rows.size());
            for (int i = 0; i < 10; i++) {
                Row r = rows.get(i);
                assertEquals(plain.toString(), r.getString(0));
                assertEquals(3L, r.getLong(1));
                assertEquals(i, r.getInt(2));
                assertTrue(r.isNullAt(3), "an unconditional image has no class");
                assertEquals(String.format("seed-3/%06d.png", i), r.getString(4));
            }
        }
        assertTrue(ExecutorModels.opened(plain, DiffusionModel.Weights.BEST) <= 2,
                "the run is opened once per task slot, not per task: " + ExecutorModels.opened(plain, DiffusionModel.Weights.BEST));

        // every class of a conditional run, two seeds, batches that cross the class boundary at image 3
        Path out = dir.resolve("cond-images");
        new DistributedJob(List.of(cond), JobSettings.of(3).withClass("all").withBatch(2).withSampler(null, 3), new long[] {3, 4}, 3)
                .generate(spark, out);
        for (String seed : new String[] {"3", "4"}) {
            assertSameFiles(condRef.resolve("seed-" + seed), out.resolve("seed-" + seed), 6);
        }
        List<Row> rows = index(spark, out);
        assertEquals(12, rows.size());
        for (Row r : rows) {
            assertEquals(r.getInt(2) / 3, r.getInt(3), "image i of --class all --n 3 is of class i / 3");
        }
    }

    @Test
    void scoresAsOneProcessDoesAndMergesTheTasksFeatureStatistics() throws Exception {
        spark = SparkJob.localSession(2, 1);
        JobSettings s = JobSettings.of(12).withBatch(3).withSampler(null, 3);
        List<DistributedJob.Scored> got = new DistributedJob(List.of(plain, cond), s, new long[] {5}, 3).score(spark);
        assertEquals(2, got.size(), "one result per run and seed");
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        for (DistributedJob.Scored g : got) {
            try (DiffusionModel m = DiffusionModel.open(g.run())) {
                Evaluation e = Evaluation.builder().count(12).settings(Generation.builder().steps(3).seed(5).batch(3).build()).build();
                Evaluation.Result one = m.evaluate(e, quiet);
                assertEquals(one.images(), g.result().images());
                assertEquals(one.fid(), g.result().fid(), 1e-6 * one.fid(), g.run() + ": the merged FID is the single process's");
                assertEquals(one.accuracy(), g.result().accuracy(), 0.0, g.run() + ": accuracy");
                assertEquals(one.classAccuracy(), g.result().classAccuracy());
            }
        }
        assertEquals(plain, got.get(0).run());
        assertEquals(24, got.get(1).result().images(), "12 of each of the conditional run's 2 classes");
    }

    static final AtomicInteger FAILED = new AtomicInteger();

    /** Fails the first attempt of partition 1 after its first image (local mode: the hook runs in this JVM). */
    static final class FailOnce implements DistributedJob.TaskHook {
        private static final long serialVersionUID = 1L;

        @Override
        public void imageWritten(int partition, int attempt, long seed, int index) {
            if (partition == 1 && attempt == 0) {
                FAILED.incrementAndGet();
                throw new IllegalStateException("made to fail once after image " + index);
            }
        }
    }

    @Test
    void aTaskThatFailsIsRetriedWithoutLosingOrDuplicatingImages() throws Exception {
        spark = SparkJob.localSession(2, 3); // local[2,3]: a task may fail up to 2 times
        FAILED.set(0);
        Path out = dir.resolve("retry");
        JobSettings s = JobSettings.of(10).withBatch(4).withSampler(null, 3);
        DistributedJob.Written w = new DistributedJob(List.of(plain), s, new long[] {3}, 3).hook(new FailOnce()).generate(spark, out);
        assertEquals(1, FAILED.get(), "partition 1 failed once");
        assertEquals(10, w.images());
        assertSameFiles(plainRef, out.resolve("seed-3"), 10);
        List<Row> rows = index(spark, out);
        Set<Integer> seen = new HashSet<>();
        for (Row r : rows) {
            assertTrue(seen.add(r.getInt(2)), "index " + r.getInt(2) + " once");
        }
        assertEquals(10, seen.size(), "every image once: " + seen);
    }

    @Test
    void theCommandLineWritesScoresAndRefusesBadInputInOneLine() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = SparkJob.run(new PrintStream(out, true), new PrintStream(err, true), "score", "--run", plain.toString(), "--n", "12",
                "--batch", "3", "--steps", "3", "--seed", "5,6", "--tasks", "2", "--master", "local[2]");
        assertEquals(0, code, err.toString());
        String[] lines = out.toString().trim().split("\n");
        assertEquals(2, lines.length, out.toString());
        com.google.gson.JsonObject j = com.google.gson.JsonParser.parseString(lines[1]).getAsJsonObject();
        assertEquals(6, j.get("seed").getAsLong());
        assertEquals(12, j.get("n").getAsInt());
        assertTrue(j.get("fid").getAsDouble() >= 0);

        Path full = Files.createDirectories(dir.resolve("not-empty"));
        Files.writeString(full.resolve("keep.txt"), "mine");
        String[][] bad = {
            {"generate", "--run", plain.toString(), "--n", "4", "--out", full.toString(), "--master", "local[1]"},
            {"generate", "--run", dir.resolve("missing").toString(), "--n", "4", "--out", dir.resolve("o1").toString(), "--master", "local[1]"},
            {"generate", "--run", plain.toString(), "--n", "4", "--seed", "x", "--out", dir.resolve("o2").toString()},
            {"generate", "--run", plain.toString(), "--n", "0", "--out", dir.resolve("o3").toString()},
            {"score", "--run", plain.toString(), "--n", "12", "--class", "1", "--master", "local[1]"},
            {"generate", "--run", plain.toString(), "--n", "100000", "--seed", "0..2000", "--out", dir.resolve("o4").toString(), "--master", "local[1]"},
        };
        for (String[] args : bad) {
            ByteArrayOutputStream e = new ByteArrayOutputStream();
            int c = SparkJob.run(new PrintStream(new ByteArrayOutputStream()), new PrintStream(e, true), args);
            String said = e.toString().trim();
            assertTrue(c != 0, String.join(" ", args));
            assertTrue(said.startsWith("error: ") && !said.contains("\n") && !said.contains("Exception"),
                    String.join(" ", args) + " -> " + said);
        }
        assertEquals("mine", Files.readString(full.resolve("keep.txt")), "nothing in a non-empty --out is touched");
        try (var files = Files.list(full)) {
            assertEquals(1, files.count());
        }
        assertFalse(Files.exists(dir.resolve("o2")));
        assertFalse(Files.exists(dir.resolve("o4")), "a job over the limit is refused before it writes anything");
    }
}
