package org.ddpm4j.spark;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.ddpm4j.DdpmException;
import org.ddpm4j.api.Evaluation;
import org.ddpm4j.api.InvalidRequestException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The distributed job's command line: {@code generate} (PNG files and a Parquet index) and {@code score} (the
 * quality meter) over one or more runs. Under {@code spark-submit} it runs on the cluster spark-submit names;
 * started directly ({@code ddpm4j-spark/ddpm-spark}, or {@code java -jar ddpm4j-spark.jar}) it runs embedded in
 * its own JVM as {@code local[N]}, N = the machine's cores unless {@code --master} says otherwise.
 */
@Command(name = "ddpm-spark", mixinStandardHelpOptions = true, version = "ddpm4j-spark 0.1.0",
        description = "Generate or score many images of ddpm4j runs with Apache Spark: on a cluster under spark-submit, "
                + "or embedded as local[N] on one machine (the default).",
        subcommands = {SparkJob.Generate.class, SparkJob.Score.class})
public final class SparkJob implements Callable<Integer> {

    PrintStream out;
    PrintStream err;

    public static void main(String[] args) {
        System.exit(run(System.out, System.err, args));
    }

    /** Runs the command line and returns the exit code: 0 done, 1 the job failed, 2 bad arguments. */
    public static int run(PrintStream out, PrintStream err, String... args) {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        SparkJob job = new SparkJob();
        job.out = out;
        job.err = err;
        CommandLine cl = new CommandLine(job);
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        cl.setExecutionExceptionHandler((e, c, p) -> {
            Throwable t = e;
            while (t instanceof org.apache.spark.SparkException && t.getCause() != null) {
                t = t.getCause();
            }
            err.println("error: " + oneLine(t));
            return 1;
        });
        return cl.execute(args);
    }

    /** A failure in one line: the message of the ddpm4j error inside Spark's wrapping, if there is one. */
    static String oneLine(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof DdpmException || c instanceof InvalidRequestException) {
                return c.getMessage();
            }
        }
        String m = t.getMessage() == null ? t.toString() : t.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    @Override
    public Integer call() {
        new CommandLine(this).usage(out);
        return 2;
    }

    /**
     * A Spark session embedded in this JVM, {@code local[threads]} (or {@code local[threads,maxFailures]}, which lets
     * Spark retry a failed task): no web UI, the driver bound to the loopback address only, and its connections
     * authenticated with a secret Spark generates for the session.
     */
    public static SparkSession localSession(int threads, int maxFailures) {
        String master = maxFailures > 1 ? "local[" + threads + "," + maxFailures + "]" : "local[" + threads + "]";
        return session(new SparkConf().setMaster(master));
    }

    static SparkSession session(SparkConf conf) {
        System.setProperty("io.netty.tryReflectionSetAccessible", "true");
        conf.setIfMissing("spark.app.name", "ddpm4j");
        conf.setIfMissing("spark.ui.enabled", "false");
        conf.setIfMissing("spark.ui.showConsoleProgress", Boolean.toString(System.console() != null));
        if (conf.get("spark.master", "").startsWith("local")) {
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
            conf.setIfMissing("spark.authenticate", "true");
        }
        // one PyTorch thread per task on executors started after this (a cluster's); local mode sets it in the JVM
        conf.setIfMissing("spark.executorEnv.OMP_NUM_THREADS", "1");
        conf.setIfMissing("spark.executorEnv.TORCH_CPP_LOG_LEVEL", "ERROR");
        SparkSession s = SparkSession.builder().config(conf).getOrCreate();
        s.sparkContext().setLogLevel("WARN");
        return s;
    }

    /** The flags both subcommands share. */
    abstract static class Common implements Callable<Integer> {
        @CommandLine.ParentCommand
        SparkJob parent;

        @Option(names = "--run", required = true, description = "Run directory (repeat for several runs).")
        List<Path> runs;

        @Option(names = "--n", required = true, description = "Images per request (of every class with --class all).")
        int n;

        @Option(names = "--class", description = "For a class-conditional run: a class (an index, or name:FOLDER) or 'all'.")
        String classOption;

        @Option(names = "--seed", defaultValue = "0", description = "Seeds, one request each: S, S1,S2,... or A..B. Default: 0.")
        String seeds;

        @Option(names = "--sampler", description = "Sampler: ddpm, ddim, dpm++, dpm++3m, ipndm, consistency (default: the run's).")
        String sampler;

        @Option(names = "--steps", description = "Network calls per image (default: the run's).")
        Integer steps;

        @Option(names = "--spacing", description = "Timestep spacing: linspace, leading or trailing (default: the run's, or its tuned time points).")
        String spacing;

        @Option(names = "--eta", defaultValue = "0", description = "DDIM eta. Default: 0.")
        double eta;

        @Option(names = "--guidance", description = "Classifier-free guidance scale of a conditional run (default: the run's).")
        Double guidance;

        @Option(names = "--weights", defaultValue = "best", description = "best, ema, raw or ema:SIGMA_REL. Default: best.")
        String weights;

        @Option(names = "--tasks", defaultValue = "0", description = "Tasks to cut the work into (default 0: two per core Spark offers).")
        int tasks;

        @Option(names = "--master", description = "Spark master when not under spark-submit. Default: local[N], N = this machine's cores.")
        String master;

        @Option(names = "--torch-threads", defaultValue = "1", description = "PyTorch threads per task. Default: 1.")
        int torchThreads;

        abstract int defaultBatch();

        JobSettings settings(Integer batch, int meter) {
            JobSettings s = JobSettings.of(n).withClass(classOption == null ? "" : classOption).withEta(eta)
                    .withBatch(batch == null ? defaultBatch() : batch).withWeights(weights).withMeter(meter);
            if (sampler != null || steps != null) {
                s = s.withSampler(sampler, steps == null ? 0 : steps);
            }
            if (spacing != null) {
                s = s.withSpacing(spacing);
            }
            if (guidance != null) {
                s = s.withGuidance(guidance);
            }
            return s;
        }

        SparkSession session() {
            SparkConf conf = new SparkConf(); // picks up spark-submit's spark.* system properties
            if (!conf.contains("spark.master")) {
                conf.setMaster(master != null ? master : "local[" + Runtime.getRuntime().availableProcessors() + "]");
            } else if (master != null) {
                throw new InvalidRequestException("master", "spark-submit already chose the master " + conf.get("spark.master"));
            }
            return SparkJob.session(conf);
        }

        long[] seedList() {
            return parseSeeds(seeds);
        }
    }

    /** {@code --seed}: S, a comma list, or an inclusive range A..B. */
    static long[] parseSeeds(String s) {
        try {
            String t = s.trim();
            int dots = t.indexOf("..");
            if (dots > 0) {
                long a = Long.parseLong(t.substring(0, dots).trim());
                long b = Long.parseLong(t.substring(dots + 2).trim());
                if (b < a || b - a >= 10_000) {
                    throw new InvalidRequestException("seed", "a range A..B needs A <= B and at most 10000 seeds, got " + s);
                }
                long[] out = new long[(int) (b - a + 1)];
                for (int i = 0; i < out.length; i++) {
                    out[i] = a + i;
                }
                return out;
            }
            List<Long> list = new ArrayList<>();
            for (String p : t.split(",")) {
                list.add(Long.parseLong(p.trim()));
            }
            return list.stream().mapToLong(Long::longValue).toArray();
        } catch (NumberFormatException e) {
            throw new InvalidRequestException("seed", "expected S, S1,S2,... or A..B, got " + s);
        }
    }

    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = "Draw the images of every run and seed and write them as PNG files, OUT/[RUN/]seed-S/000000.png ..., "
                    + "with an index OUT/index.parquet (run, seed, index, class, path); the same images as ./ddpm sample.")
    static final class Generate extends Common {
        @Option(names = "--out", required = true, description = "Folder to write (new or empty).")
        Path out;

        @Option(names = "--batch", description = "Images per network call. Default: 64, as ./ddpm sample.")
        Integer batch;

        @Override
        int defaultBatch() {
            return 64;
        }

        @Override
        public Integer call() throws Exception {
            DistributedJob job = new DistributedJob(runs, settings(batch, 3), seedList(), tasks).torchThreads(torchThreads);
            try (SparkSession spark = session()) {
                DistributedJob.Written w = job.generate(spark, out);
                parent.out.printf(Locale.ROOT, "wrote %,d images and %s in %.1f s (%.1f images/s, %d tasks)%n", w.images(), w.index(),
                        w.seconds(), w.imagesPerSecond(), w.tasks());
            } finally {
                ExecutorModels.closeAll();
            }
            return 0;
        }
    }

    @Command(name = "score", mixinStandardHelpOptions = true,
            description = "Score every run and seed with the quality meter, as ./ddpm eval --n N does (FID merged exactly "
                    + "from the tasks' feature statistics); one JSON line each.")
    static final class Score extends Common {
        @Option(names = "--batch", description = "Images per network call. Default: 250, as ./ddpm eval.")
        Integer batch;

        @Option(names = "--meter", defaultValue = "3", description = "Meter version: 3 (default) or 2.")
        int meter;

        @Override
        int defaultBatch() {
            return Evaluation.BATCH;
        }

        @Override
        public Integer call() throws Exception {
            DistributedJob job = new DistributedJob(runs, settings(batch, meter), seedList(), tasks).torchThreads(torchThreads);
            try (SparkSession spark = session()) {
                for (DistributedJob.Scored s : job.score(spark)) {
                    parent.out.println(json(s));
                }
            } finally {
                ExecutorModels.closeAll();
            }
            return 0;
        }
    }

    /** The JSON line of one request's scores. */
    static String json(DistributedJob.Scored s) {
        com.google.gson.JsonObject j = new com.google.gson.JsonObject();
        Evaluation.Result r = s.result();
        j.addProperty("run", s.run().toString());
        j.addProperty("seed", s.seed());
        j.addProperty("n", r.images());
        j.addProperty("fid", r.fid());
        if (!Double.isNaN(r.accuracy())) {
            j.addProperty("accuracy", r.accuracy());
        }
        if (!r.classAccuracy().isEmpty()) {
            com.google.gson.JsonArray per = new com.google.gson.JsonArray();
            r.classAccuracy().forEach(a -> per.add(a.isNaN() ? null : a));
            j.add("class_accuracy", per);
        }
        j.addProperty("reference", r.reference());
        j.addProperty("meter", r.meter());
        j.addProperty("images_per_s", Math.round(r.imagesPerSecond() * 100) / 100.0);
        return org.ddpm4j.util.Json.GSON.toJson(j);
    }
}
