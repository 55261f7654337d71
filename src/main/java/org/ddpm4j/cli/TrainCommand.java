package org.ddpm4j.cli;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.ddpm4j.DdpmException;
import org.ddpm4j.checkpoint.Run;
import org.ddpm4j.checkpoint.Tensor;
import org.ddpm4j.data.Datasets;
import org.ddpm4j.data.ImageSet;
import org.ddpm4j.diffusion.DiffusionConfig;
import org.ddpm4j.model.Denoiser;
import org.ddpm4j.model.ModelConfig;
import org.ddpm4j.train.DiffusionTrainer;
import org.ddpm4j.train.TrainConfig;
import org.ddpm4j.train.TrainListener;
import org.ddpm4j.util.AtomicFiles;
import org.ddpm4j.util.Json;
import org.ddpm4j.util.Rng;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code ./ddpm train}: trains a denoiser and writes a run directory. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a diffusion model and write a run directory (checkpoint, config, training log).")
final class TrainCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Option(names = "--data", defaultValue = "mnist", description = "Dataset: mnist (embedded) or idx:DIR. Default: ${DEFAULT-VALUE}.")
    String data;

    @Option(names = "--digit", description = "Train on this class only (default: all classes).")
    Integer digit;

    @Option(names = "--model", defaultValue = "seed", description = "Network: seed. Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--epochs", defaultValue = "20", description = "Passes over the data. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--batch", defaultValue = "64", description = "Batch size. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--lr", defaultValue = "1e-4", description = "Adam learning rate. Default: ${DEFAULT-VALUE}.")
    double lr;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--out", required = true, description = "Run directory to write.")
    Path out;

    @Option(names = "--force", description = "Overwrite a run directory that already holds a checkpoint.")
    boolean force;

    @Override
    public Integer call() {
        PrintStream err = main.err;
        PrintStream stdout = main.out;
        if (Run.exists(out) && !force) {
            throw new DdpmException(out + " already holds a trained run; choose another --out or pass --force");
        }
        TrainConfig tc = new TrainConfig(data, digit, epochs, batch, lr, seed);
        if (!ModelConfig.SEED.equals(model)) {
            throw new DdpmException("unknown --model '" + model + "' (expected seed)");
        }
        train(tc, DiffusionConfig.seed(), out, stdout, err);
        stdout.println("run written to " + out);
        return 0;
    }

    /** Loads the data, trains, and writes the run directory; shared with {@code demo}. */
    static void train(TrainConfig tc, DiffusionConfig dc, Path out, PrintStream stdout, PrintStream err) {
        ImageSet all = Datasets.load(tc.data());
        ImageSet data = tc.digit() == null ? all : all.filterLabel(tc.digit());
        if (data.size() == 0) {
            throw new DdpmException(tc.data() + " holds no images");
        }
        ModelConfig mc = ModelConfig.seed(data.channels(), data.height());
        if (data.height() != data.width()) {
            throw new DdpmException("images must be square, got " + data.height() + "x" + data.width());
        }
        AtomicFiles.ensureDirectory(out);
        Rng rng = new Rng(tc.seed());
        try (NDManager manager = NDManager.newBaseManager();
                Denoiser net = Denoiser.create(mc, manager, rng);
                BufferedWriter log = Files.newBufferedWriter(out.resolve(Run.LOG), StandardCharsets.UTF_8)) {
            stdout.printf(Locale.ROOT, "training %s (%,d parameters) on %,d images of %s, %d epochs of batch %d%n",
                    mc.type(), net.parameterCount(), data.size(), data.description(), tc.epochs(), tc.batchSize());
            DiffusionTrainer trainer = new DiffusionTrainer(net, dc.build(), tc, rng);
            ProgressBar bar = new ProgressBar(err, "train", "step");
            final int[] lastEpoch = {0};
            trainer.fit(data, new TrainListener() {
                @Override
                public void onStep(long step, long total, int epoch, double loss, double ips) {
                    lastEpoch[0] = epoch;
                    try {
                        log.write(String.format(Locale.ROOT, "{\"step\":%d,\"epoch\":%d,\"loss\":%.6f,\"images_per_s\":%.1f}%n",
                                step, epoch, loss, ips));
                    } catch (IOException e) {
                        throw new DdpmException("cannot write the training log in " + out + ": " + AtomicFiles.describe(e));
                    }
                    bar.update(step, total, String.format(Locale.ROOT, "epoch %d | loss %.4f | %.0f img/s", epoch, loss, ips));
                }

                @Override
                public void onEpoch(int epoch, double meanLoss) {
                    try {
                        log.flush();
                    } catch (IOException e) {
                        throw new DdpmException("cannot write the training log in " + out + ": " + AtomicFiles.describe(e));
                    }
                }
            });
            JsonObject meta = new JsonObject();
            meta.addProperty("ddpm4j", "0.1.0");
            meta.add("model", Json.GSON.toJsonTree(mc));
            meta.add("diffusion", Json.GSON.toJsonTree(dc));
            meta.add("train", Json.GSON.toJsonTree(tc));
            JsonObject state = new JsonObject();
            state.addProperty("step", trainer.stepCount());
            state.addProperty("epoch", lastEpoch[0] + 1);
            JsonArray r = new JsonArray();
            for (long v : rng.state()) {
                r.add(v);
            }
            state.add("rng", r);
            meta.add("state", state);
            java.util.Map<String, Tensor> tensors = Run.export(net, Run.WEIGHTS);
            Run.save(out, meta, tensors);
        } catch (IOException e) {
            throw new DdpmException("cannot write " + out.resolve(Run.LOG) + ": " + AtomicFiles.describe(e));
        }
    }
}
