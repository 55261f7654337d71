package org.ddpm4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.ddpm4j.checkpoint.CheckpointFile;
import org.ddpm4j.checkpoint.Run;
import org.ddpm4j.checkpoint.Tensor;
import org.ddpm4j.diffusion.DiffusionConfig;
import org.ddpm4j.model.ModelConfig;
import org.ddpm4j.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {

    @TempDir
    Path dir;

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), args);
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Asserts a failure with the given exit code and one "error:" line containing {@code text}, no stack trace. */
    static void assertOneLineError(Result r, int code, String text) {
        assertEquals(code, r.code(), r.err());
        String[] lines = r.err().strip().split("\n");
        String last = lines[lines.length - 1];
        assertTrue(last.startsWith("error: ") && last.contains(text), "got: " + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        assertFalse(r.err().contains("Exception"), "no exception names: " + r.err());
    }

    /** A tiny IDX dataset: 12 images of 8x8 with labels 0/1. */
    Path tinyData() throws IOException {
        Path d = Files.createDirectories(dir.resolve("tiny"));
        int n = 12;
        ByteBuffer img = ByteBuffer.allocate(16 + n * 64).putInt(0x803).putInt(n).putInt(8).putInt(8);
        ByteBuffer lab = ByteBuffer.allocate(8 + n).putInt(0x801).putInt(n);
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < 64; p++) {
                img.put((byte) ((p % 8 == 3 || p % 8 == 4) ? 255 : 0)); // a vertical bar, a "1"
            }
            lab.put((byte) (i % 2));
        }
        Files.write(d.resolve("train-images-idx3-ubyte"), img.array());
        Files.write(d.resolve("train-labels-idx1-ubyte"), lab.array());
        return d;
    }

    @Test
    void usageErrorsExitTwoWithOneLine() {
        assertOneLineError(run(), 2, "missing command");
        assertOneLineError(run("train", "--bogus", "--out", "x"), 2, "Unknown option: '--bogus'");
        assertOneLineError(run("train", "--epochs", "many", "--out", "x"), 2, "--epochs");
        assertOneLineError(run("sample", "--out", "x"), 2, "--run");
        assertOneLineError(run("fly"), 2, "fly");
        assertEquals(0, run("--help").code());
        assertTrue(run("train", "--help").out().contains("--epochs"));
    }

    @Test
    void badValuesExitOneWithOneLine() throws IOException {
        Path data = tinyData();
        assertOneLineError(run("train", "--data", "idx:" + data, "--epochs", "0", "--out", dir.resolve("r").toString()), 1, "--epochs must be");
        assertOneLineError(run("train", "--data", "idx:" + data, "--digit", "7", "--out", dir.resolve("r").toString()), 1, "no images of class 7");
        assertOneLineError(run("train", "--data", "idx:" + dir.resolve("none"), "--out", dir.resolve("r").toString()), 1, "not a directory");
        assertOneLineError(run("train", "--data", "nope", "--out", dir.resolve("r").toString()), 1, "unknown --data");
        assertOneLineError(run("train", "--model", "gan", "--out", dir.resolve("r").toString()), 1, "unknown --model");
        assertOneLineError(run("sample", "--run", dir.resolve("missing").toString(), "--out", dir.resolve("s").toString()), 1, "no run at");
        assertOneLineError(run("demo", "--digit", "12"), 1, "--digit must be 0..9");
        Files.write(data.resolve("train-images-idx3-ubyte"), new byte[] {0, 0, 8, 3, 0, 0});
        assertOneLineError(run("train", "--data", "idx:" + data, "--out", dir.resolve("r").toString()), 1, "truncated IDX header");
    }

    @Test
    void trainThenSampleIsReproducible() throws IOException {
        Path data = tinyData();
        Path runDir = dir.resolve("run");
        Result t = run("train", "--data", "idx:" + data, "--digit", "1", "--epochs", "2", "--batch", "4", "--out", runDir.toString());
        assertEquals(0, t.code(), t.err());
        assertTrue(Files.exists(runDir.resolve(Run.CHECKPOINT)));
        assertTrue(Files.exists(runDir.resolve(Run.CONFIG)));
        assertEquals(4, Files.readAllLines(runDir.resolve(Run.LOG)).size(), "2 epochs x 2 batches logged");
        assertTrue(t.err().contains("ETA") || t.err().contains("took"), "progress bar: " + t.err());

        assertOneLineError(run("train", "--data", "idx:" + data, "--out", runDir.toString()), 1, "already holds a trained run");

        Path s1 = dir.resolve("s1");
        Path s2 = dir.resolve("s2");
        Result a = run("sample", "--run", runDir.toString(), "--n", "3", "--steps", "10", "--seed", "5", "--out", s1.toString());
        assertEquals(0, a.code(), a.err());
        assertEquals(0, run("sample", "--run", runDir.toString(), "--n", "3", "--steps", "10", "--seed", "5", "--out", s2.toString()).code());
        for (String f : new String[] {"000000.png", "000001.png", "000002.png", "grid.png"}) {
            assertArrayEquals(Files.readAllBytes(s1.resolve(f)), Files.readAllBytes(s2.resolve(f)), f);
        }
        Path s3 = dir.resolve("s3");
        assertEquals(0, run("sample", "--run", runDir.toString(), "--n", "3", "--steps", "10", "--seed", "6", "--out", s3.toString()).code());
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(s1.resolve("grid.png")), Files.readAllBytes(s3.resolve("grid.png"))));
        assertOneLineError(run("sample", "--run", runDir.toString(), "--steps", "5000", "--out", s3.toString()), 1, "--steps must be in 1..1000");

        // every sampler, and the denoising GIF
        for (String sampler : new String[] {"ddpm", "ddim", "dpm++"}) {
            Path sd = dir.resolve("s-" + sampler.replace("+", "p"));
            Result r = run("sample", "--run", runDir.toString(), "--n", "2", "--steps", "4", "--sampler", sampler,
                    "--gif", sd.resolve("denoise.gif").toString(), "--out", sd.toString());
            assertEquals(0, r.code(), r.err());
            try (var in = javax.imageio.ImageIO.createImageInputStream(sd.resolve("denoise.gif").toFile())) {
                var reader = javax.imageio.ImageIO.getImageReadersByFormatName("gif").next();
                reader.setInput(in);
                assertEquals(4, reader.getNumImages(true), "one frame per step");
            }
        }
        assertOneLineError(run("sample", "--run", runDir.toString(), "--sampler", "euler", "--out", s3.toString()), 1, "unknown --sampler");
        assertOneLineError(run("sample", "--run", runDir.toString(), "--sampler", "ddim", "--eta", "2", "--out", s3.toString()), 1, "--eta must be in [0, 1]");

        // the quality meter on the tiny data set
        System.setProperty("ddpm4j.cache", dir.resolve("cache").toString());
        try {
            Result e = run("eval", "--run", runDir.toString(), "--n", "12", "--steps", "3");
            assertEquals(0, e.code(), e.err());
            String json = e.out().lines().findFirst().orElseThrow();
            JsonObject o = com.google.gson.JsonParser.parseString(json).getAsJsonObject();
            assertTrue(o.get("fid").getAsDouble() >= 0, json);
            assertTrue(o.get("accuracy").getAsDouble() >= 0 && o.get("accuracy").getAsDouble() <= 1, json);
            assertTrue(o.get("images_per_s").getAsDouble() > 0, json);
            assertTrue(Files.list(dir.resolve("cache")).anyMatch(p -> p.getFileName().toString().startsWith("classifier-")), "classifier cached");
        } finally {
            System.clearProperty("ddpm4j.cache");
        }
    }

    @Test
    void damagedOrForeignCheckpointsFailWithOneLine() throws IOException {
        Path runDir = Files.createDirectories(dir.resolve("bad"));
        Path ckpt = runDir.resolve(Run.CHECKPOINT);
        Files.write(ckpt, "PK\u0003\u0004 a pytorch file".getBytes(StandardCharsets.ISO_8859_1));
        assertOneLineError(run("sample", "--run", runDir.toString(), "--out", dir.resolve("o").toString()), 1, "not a ddpm4j checkpoint");

        // a checkpoint whose weights belong to another network than its config says
        JsonObject meta = new JsonObject();
        meta.add("model", Json.GSON.toJsonTree(ModelConfig.seed(1, 28)));
        meta.add("diffusion", Json.GSON.toJsonTree(DiffusionConfig.seed()));
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("model/fc_weight", new Tensor(new long[] {2}, new float[] {1, 2}));
        new CheckpointFile(meta, tensors).write(ckpt);
        assertOneLineError(run("sample", "--run", runDir.toString(), "--out", dir.resolve("o").toString()), 1, "does not match");

        // a valid container with a config that is not a model config
        meta.add("model", Json.GSON.toJsonTree(Map.of("type", "transformer", "channels", 1, "size", 28)));
        new CheckpointFile(meta, tensors).write(ckpt);
        assertOneLineError(run("sample", "--run", runDir.toString(), "--out", dir.resolve("o").toString()), 1, "unknown model 'transformer'");

        byte[] good = Files.readAllBytes(ckpt);
        Files.write(ckpt, java.util.Arrays.copyOf(good, good.length - 3));
        assertOneLineError(run("sample", "--run", runDir.toString(), "--out", dir.resolve("o").toString()), 1, "truncated");
    }
}
