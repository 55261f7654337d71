package org.ddpm4j.spark;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.ddpm4j.DdpmException;
import org.ddpm4j.api.DiffusionModel;
import org.ddpm4j.api.Evaluation;
import org.ddpm4j.api.GeneratedImages;
import org.ddpm4j.api.Generation;
import org.ddpm4j.api.GenerationListener;
import org.ddpm4j.api.InvalidRequestException;
import org.ddpm4j.image.Images;

/**
 * One distributed job over one or more runs: the same requests as {@code ./ddpm sample} or {@code ./ddpm eval}
 * (one per run and seed), cut into tasks of whole batches ({@link Slice#plan}) that Spark runs on its executors.
 * Image {@code i} of a request depends only on the seed, {@code i} and its class, and every task draws its batches
 * exactly as one process does, so the images are those of {@code ./ddpm sample}, bit for bit, whatever the number of
 * tasks, and a task Spark retries draws and writes the same images again.
 *
 * <pre>{@code
 * try (SparkSession spark = SparkJob.localSession(2, 1)) {
 *     DistributedJob job = new DistributedJob(List.of(Path.of("runs/digit1")), JobSettings.of(10_000), new long[] {0}, 0);
 *     DistributedJob.Written w = job.generate(spark, Path.of("synthetic"));
 * }
 * }</pre>
 */
public final class DistributedJob {

    /** Called in a task after each image it wrote (tests make a task fail with it; a throw fails the task). */
    public interface TaskHook extends Serializable {
        void imageWritten(int partition, int attempt, long seed, int index) throws Exception;
    }

    private static final TaskHook NO_HOOK = (p, a, s, i) -> { };

    /** The most images one job draws (runs x seeds x images per request), checked before any work is planned. */
    public static final long MAX_IMAGES = 100_000_000L;

    private final List<Path> runs;
    private final JobSettings settings;
    private final long[] seeds;
    private final int tasks; // 0 = two per core of the cluster
    private int torchThreads = 1;
    private TaskHook hook = NO_HOOK;

    /**
     * @param runs the run directories, each readable by every executor (a shared file system on a cluster)
     * @param settings what to draw
     * @param seeds one request per run and seed
     * @param tasks how many tasks to cut the work into, or 0 for two per core Spark offers
     */
    public DistributedJob(List<Path> runs, JobSettings settings, long[] seeds, int tasks) {
        if (runs.isEmpty()) {
            throw new InvalidRequestException("runs", "name at least one run");
        }
        if (seeds.length == 0 || Arrays.stream(seeds).distinct().count() != seeds.length) {
            throw new InvalidRequestException("seeds", "give one or more different seeds, got " + Arrays.toString(seeds));
        }
        for (long s : seeds) {
            if (s < 0) {
                throw new InvalidRequestException("seeds", "must be 0 or more, got " + s);
            }
        }
        if (tasks < 0 || tasks > 100_000) {
            throw new InvalidRequestException("tasks", "must be in 0..100000, got " + tasks);
        }
        this.runs = List.copyOf(runs);
        this.settings = settings.check();
        this.seeds = seeds.clone();
        this.tasks = tasks;
    }

    /** PyTorch threads per task (default 1: Spark gives each task a core). */
    public DistributedJob torchThreads(int n) {
        if (n < 1 || n > 256) {
            throw new InvalidRequestException("torch threads", "must be in 1..256, got " + n);
        }
        this.torchThreads = n;
        return this;
    }

    /** A hook each task calls after every image it writes. */
    public DistributedJob hook(TaskHook h) {
        this.hook = h;
        return this;
    }

    /** What {@link #generate} wrote. */
    public record Written(long images, Path index, int tasks, double seconds) {

        public double imagesPerSecond() {
            return images / seconds;
        }
    }

    /** One request's scores. */
    public record Scored(Path run, long seed, Evaluation.Result result) {}

    /** The folder of each run's images under the output ({@code ""} for a single run: the output itself). */
    List<String> runFolders() {
        if (runs.size() == 1) {
            return List.of("");
        }
        List<String> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Path r : runs) {
            String name = r.toAbsolutePath().normalize().getFileName().toString();
            if (!seen.add(name)) {
                throw new InvalidRequestException("runs", "two runs are called " + name + ": their images would share a folder");
            }
            out.add(name + "/");
        }
        return out;
    }

    /** The file of image {@code index} of seed {@code seed} of run folder {@code folder}, relative to the output. */
    static String imagePath(String folder, long seed, int index) {
        return String.format(Locale.ROOT, "%sseed-%d/%06d.png", folder, seed, index);
    }

    /**
     * Draws every request and writes its images as PNG files, {@code OUT/[RUN/]seed-S/000000.png ...} (the run's
     * folder only when the job has several runs), and an index of them, {@code OUT/index.parquet} (run, seed, index,
     * class, path relative to OUT; class is null for an unconditional image). Refuses an output that is not empty.
     */
    public Written generate(SparkSession spark, Path out) {
        List<String> folders = runFolders();
        checkEmpty(out);
        int[] images = new int[runs.size()];
        ExecutorModels.threads(torchThreads);
        for (int r = 0; r < runs.size(); r++) {
            images[r] = ExecutorModels.withModel(runs.get(r), settings.weightChoice(), m -> checkedImages(m));
        }
        checkTotal(images);
        List<List<Slice>> plan = Slice.plan(images, seeds, settings.batch(), taskCount(spark));
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        JavaRDD<List<Slice>> work = jsc.parallelize(plan, plan.size());
        List<String> runNames = runs.stream().map(Path::toString).toList();
        JavaRDD<Row> rows = work.mapPartitions(new DrawTask(runNames, folders, settings, out.toAbsolutePath().toString(), torchThreads, hook));
        StructType schema = new StructType()
                .add("run", DataTypes.StringType, false)
                .add("seed", DataTypes.LongType, false)
                .add("index", DataTypes.IntegerType, false)
                .add("class", DataTypes.IntegerType, true)
                .add("path", DataTypes.StringType, false);
        Path index = out.resolve("index.parquet");
        long t0 = System.nanoTime();
        spark.createDataFrame(rows, schema).write().mode(SaveMode.ErrorIfExists).parquet(index.toAbsolutePath().toString());
        double secs = (System.nanoTime() - t0) / 1e9;
        long total = 0;
        for (int n : images) {
            total += (long) n * seeds.length;
        }
        return new Written(total, index, plan.size(), secs);
    }

    /**
     * Scores every request with the quality meter, as {@code ./ddpm eval --n COUNT} does: each task draws and
     * reads its slices and returns their feature statistics, which merge exactly ({@link Evaluation.Part}), so
     * the scores are those of one process reading the same images. Trains the meter's classifier on the driver
     * first if it is not cached (executors on other machines need the cache on a shared file system,
     * {@code DDPM4J_CACHE}). A result's speed is the job's, shared by the requests in proportion to their images.
     */
    public List<Scored> score(SparkSession spark) {
        int[] images = new int[runs.size()];
        ExecutorModels.threads(torchThreads);
        for (int r = 0; r < runs.size(); r++) {
            images[r] = ExecutorModels.withModel(runs.get(r), settings.weightChoice(), m -> {
                Evaluation e = settings.evaluation(m, seeds[0]);
                m.steps(e.settings()); // checks the settings before the meter trains
                m.samplerSettings(e.settings());
                ExecutorModels.withScorer(m, settings.meter(), s -> null); // the classifier, trained once if need be
                return m.evaluationImages(e);
            });
        }
        checkTotal(images);
        List<List<Slice>> plan = Slice.plan(images, seeds, settings.batch(), taskCount(spark));
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<String> runNames = runs.stream().map(Path::toString).toList();
        long t0 = System.nanoTime();
        List<ScoredSlice> parts = new ArrayList<>(jsc.parallelize(plan, plan.size())
                .mapPartitions(new ScoreTask(runNames, settings, torchThreads)).collect());
        double secs = (System.nanoTime() - t0) / 1e9;
        parts.sort(Comparator.comparingInt(ScoredSlice::run).thenComparingInt(p -> seedOrder(p.seed())).thenComparingInt(ScoredSlice::from));
        long total = 0;
        for (int n : images) {
            total += (long) n * seeds.length;
        }
        List<Scored> out = new ArrayList<>();
        for (int r = 0; r < runs.size(); r++) {
            for (long seed : seeds) {
                List<Evaluation.Part> mine = new ArrayList<>();
                int next = 0;
                for (ScoredSlice p : parts) {
                    if (p.run() == r && p.seed() == seed) {
                        if (p.from() != next) {
                            throw new DdpmException("the tasks of run " + runs.get(r) + " seed " + seed + " left images " + next + ".." + p.from());
                        }
                        mine.add(p.part());
                        next = p.from() + p.part().images();
                    }
                }
                final int rr = r;
                double share = secs * images[r] / total;
                Evaluation.Result res = ExecutorModels.withModel(runs.get(r), settings.weightChoice(), m -> {
                    Evaluation e = settings.evaluation(m, seed);
                    return ExecutorModels.withScorer(m, settings.meter(), s -> m.evaluateParts(e, s, mine, share));
                });
                out.add(new Scored(runs.get(rr), seed, res));
            }
        }
        return out;
    }

    private void checkTotal(int[] images) {
        long total = 0;
        for (int n : images) {
            total += (long) n * seeds.length;
        }
        if (total > MAX_IMAGES) {
            throw new InvalidRequestException("n", "the job would draw " + total + " images; one job draws at most " + MAX_IMAGES
                    + " (split it over several output folders)");
        }
    }

    private int seedOrder(long seed) {
        for (int i = 0; i < seeds.length; i++) {
            if (seeds[i] == seed) {
                return i;
            }
        }
        return -1;
    }

    private int taskCount(SparkSession spark) {
        return tasks > 0 ? tasks : Math.max(1, 2 * spark.sparkContext().defaultParallelism());
    }

    /** The images one request of {@code settings} makes on {@code m}, after checking every setting on the driver. */
    private int checkedImages(DiffusionModel m) {
        Generation g = settings.generation(m, seeds[0]);
        m.steps(g);
        m.samplerSettings(g);
        m.timePoints(g);
        m.guide(g);
        return m.imageClasses(g).length;
    }

    private static void checkEmpty(Path out) {
        if (Files.exists(out)) {
            if (!Files.isDirectory(out)) {
                throw new InvalidRequestException("out", out + " is a file, not a folder");
            }
            try (var list = Files.list(out)) {
                if (list.findAny().isPresent()) {
                    throw new InvalidRequestException("out", out + " is not empty: choose a new folder (nothing there is overwritten)");
                }
            } catch (IOException e) {
                throw new DdpmException(out + ": " + e.getMessage());
            }
        }
    }

    /** A task of {@link #generate}: draws its slices, writes each image atomically, returns one index row per image. */
    static final class DrawTask implements FlatMapFunction<Iterator<List<Slice>>, Row> {
        private static final long serialVersionUID = 1L;
        private final List<String> runs;
        private final List<String> folders;
        private final JobSettings settings;
        private final String out;
        private final int threads;
        private final TaskHook hook;

        DrawTask(List<String> runs, List<String> folders, JobSettings settings, String out, int threads, TaskHook hook) {
            this.runs = List.copyOf(runs);
            this.folders = List.copyOf(folders);
            this.settings = settings;
            this.out = out;
            this.threads = threads;
            this.hook = hook;
        }

        @Override
        public Iterator<Row> call(Iterator<List<Slice>> it) throws Exception {
            ExecutorModels.threads(threads);
            TaskContext tc = TaskContext.get();
            int partition = tc == null ? -1 : tc.partitionId();
            int attempt = tc == null ? 0 : tc.attemptNumber();
            List<Row> rows = new ArrayList<>();
            while (it.hasNext()) {
                for (Slice s : it.next()) {
                    Path run = Path.of(runs.get(s.run()));
                    List<Row> got = ExecutorModels.withModel(run, settings.weightChoice(), m -> {
                        Generation g = settings.generation(m, s.seed());
                        int[] classes = m.imageClasses(g);
                        GeneratedImages imgs = m.generate(g.toBuilder().slice(s.from(), s.to()).build(), GenerationListener.NONE);
                        List<Row> r = new ArrayList<>();
                        for (int j = 0; j < imgs.count(); j++) {
                            int i = s.from() + j;
                            String rel = imagePath(folders.get(s.run()), s.seed(), i);
                            Path file = Path.of(out).resolve(rel);
                            try {
                                Files.createDirectories(file.getParent());
                            } catch (IOException e) {
                                throw new DdpmException(file.getParent() + ": cannot create the folder (" + e.getMessage() + ")");
                            }
                            Images.writePng(imgs.image(j), file);
                            try {
                                hook.imageWritten(partition, attempt, s.seed(), i);
                            } catch (RuntimeException e) {
                                throw e;
                            } catch (Exception e) {
                                throw new DdpmException(e.getMessage());
                            }
                            r.add(RowFactory.create(runs.get(s.run()), s.seed(), i, classes[i] < 0 ? null : classes[i], rel));
                        }
                        return r;
                    });
                    rows.addAll(got);
                }
            }
            return rows.iterator();
        }
    }

    /** One slice's meter reading, as a {@link ScoreTask} returns it. */
    record ScoredSlice(int run, long seed, int from, Evaluation.Part part) implements Serializable {}

    /** A task of {@link #score}: draws and reads its slices, returns their feature statistics and counts. */
    static final class ScoreTask implements FlatMapFunction<Iterator<List<Slice>>, ScoredSlice> {
        private static final long serialVersionUID = 1L;
        private final List<String> runs;
        private final JobSettings settings;
        private final int threads;

        ScoreTask(List<String> runs, JobSettings settings, int threads) {
            this.runs = List.copyOf(runs);
            this.settings = settings;
            this.threads = threads;
        }

        @Override
        public Iterator<ScoredSlice> call(Iterator<List<Slice>> it) {
            ExecutorModels.threads(threads);
            List<ScoredSlice> out = new ArrayList<>();
            while (it.hasNext()) {
                for (Slice s : it.next()) {
                    out.add(ExecutorModels.withModel(Path.of(runs.get(s.run())), settings.weightChoice(), m -> {
                        Evaluation e = settings.evaluation(m, s.seed());
                        return ExecutorModels.withScorer(m, settings.meter(),
                                sc -> new ScoredSlice(s.run(), s.seed(), s.from(), m.evaluatePart(e, sc, s.from(), s.to(), GenerationListener.NONE)));
                    }));
                }
            }
            return out.iterator();
        }
    }
}
