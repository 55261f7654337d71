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
import java.util.List;
import java.util.Map;
import org.ddpm4j.checkpoint.CheckpointFile;
import org.ddpm4j.checkpoint.Run;
import org.ddpm4j.checkpoint.Tensor;
import org.ddpm4j.diffusion.DiffusionConfig;
import org.ddpm4j.model.ModelConfig;
import org.ddpm4j.util.Json;
import org.ddpm4j.data.TinyData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class CliTest {

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

    Path tinyData() throws IOException {
        return tinyData(dir);
    }

    /** A tiny IDX dataset under {@code dir}: 12 images of 8x8 with labels 0/1 (shared by the reliability tests). */
    /** The tiny IDX set of {@link TinyData}. */
    public static Path tinyData(Path dir) throws IOException {
        return TinyData.idx(dir);
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
        Result t = run("train", "--data", "idx:" + data, "--digit", "1", "--epochs", "2", "--batch", "4", "--base", "8",
                "--mults", "1,2", "--blocks", "1", "--choose-weights", "0", "--out", runDir.toString());
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
        // --no-ema samples the raw trained weights; by default (no choice by the meter) the run's EMA weights, which differ from them
        Path raw = dir.resolve("s-raw");
        assertEquals(0, run("sample", "--run", runDir.toString(), "--n", "3", "--steps", "10", "--seed", "5", "--no-ema", "--out", raw.toString()).code());
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(s1.resolve("grid.png")), Files.readAllBytes(raw.resolve("grid.png"))));

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
            assertEquals("ema", o.get("weights").getAsString(), json);
            assertEquals(3, o.get("meter").getAsInt(), json);
            double heldOut = o.get("meter_held_out_accuracy").getAsDouble();
            assertTrue(heldOut >= 0 && heldOut <= 1, json);
            Result e2 = run("eval", "--run", runDir.toString(), "--n", "12", "--steps", "3", "--meter", "2");
            assertEquals(0, e2.code(), e2.err());
            JsonObject o2 = com.google.gson.JsonParser.parseString(e2.out().lines().findFirst().orElseThrow()).getAsJsonObject();
            assertEquals(2, o2.get("meter").getAsInt());
            assertTrue(o2.get("fid").getAsDouble() != o.get("fid").getAsDouble(), "another classifier, another feature space");
            try (var files = Files.list(dir.resolve("cache"))) {
                assertEquals(2, files.filter(p -> p.getFileName().toString().startsWith("classifier-")).count(), "one cached classifier per meter");
            }
            assertOneLineError(run("eval", "--run", runDir.toString(), "--n", "12", "--meter", "4"), 1, "--meter must be 2 or 3, got 4");
            Result er = run("eval", "--run", runDir.toString(), "--n", "12", "--steps", "3", "--no-ema");
            assertEquals(0, er.code(), er.err());
            JsonObject r = com.google.gson.JsonParser.parseString(er.out().lines().findFirst().orElseThrow()).getAsJsonObject();
            assertEquals("raw", r.get("weights").getAsString());
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

    @Test
    void conditionalTrainingGuidedSamplingAndInpainting() throws IOException {
        Path data = tinyData();
        Path runDir = dir.resolve("cond");
        Result t = run("train", "--data", "idx:" + data, "--conditional", "--steps", "3", "--batch", "4",
                "--base", "8", "--mults", "1,2", "--blocks", "1", "--out", runDir.toString());
        assertEquals(0, t.code(), t.err());
        assertEquals(0.0, Run.open(runDir).train().objective().minSnrGamma(), "conditional runs default to plain v loss");
        Path all = dir.resolve("all");
        Result s = run("sample", "--run", runDir.toString(), "--class", "all", "--n", "3", "--steps", "4", "--guidance", "2",
                "--out", all.toString());
        assertEquals(0, s.code(), s.err());
        assertTrue(Files.exists(all.resolve("000005.png")) && !Files.exists(all.resolve("000006.png")), "3 images x 2 classes");
        java.awt.image.BufferedImage grid = javax.imageio.ImageIO.read(all.resolve("grid.png").toFile());
        assertTrue(grid.getHeight() < grid.getWidth(), "one row per class: 2 rows of 3");
        assertOneLineError(run("sample", "--run", runDir.toString(), "--class", "7", "--out", all.toString()), 1, "unknown class 7");
        assertOneLineError(run("sample", "--run", runDir.toString(), "--class", "seven", "--out", all.toString()), 1, "unknown class 'seven'");
        assertOneLineError(run("sample", "--run", runDir.toString(), "--class", "1", "--guidance", "-1", "--out", all.toString()), 1, "--guidance must be");
        assertOneLineError(run("sample", "--run", runDir.toString(), "--class", "1", "--guidance-rescale", "1.5", "--out", all.toString()), 1,
                "--guidance-rescale must be in [0, 1], got 1.5");
        assertOneLineError(run("sample", "--run", runDir.toString(), "--class", "1", "--guidance-interval", "0.9:0.1", "--out", all.toString()), 1,
                "--guidance-interval must be FROM:TO with 0 <= FROM <= TO <= 1 (noise levels t/T), got 0.9:0.1");
        assertOneLineError(run("sample", "--run", runDir.toString(), "--class", "1", "--guidance-parallel", "-0.5", "--out", all.toString()), 1,
                "--guidance-parallel must be in [0, 1], got -0.5");
        assertOneLineError(run("sample", "--run", runDir.toString(), "--class", "1", "--cfg", "0.5", "--out", all.toString()), 1,
                "--cfg adds classifier-free guidance to autoguidance and needs a --guide-run");
        Path rescaled = dir.resolve("rescaled");
        Result rs = run("sample", "--run", runDir.toString(), "--class", "1", "--n", "2", "--steps", "4", "--guidance", "2",
                "--guidance-rescale", "0.7", "--guidance-interval", "0.2:0.9", "--guidance-parallel", "0", "--out", rescaled.toString());
        assertEquals(0, rs.code(), rs.err());
        assertTrue(Files.exists(rescaled.resolve("000001.png")));
        assertOneLineError(run("train", "--data", "idx:" + data, "--conditional", "--digit", "1", "--out", dir.resolve("x").toString()), 1, "drop --digit");
        // --scale-shift: the embedding scales and shifts the residual blocks' GroupNorm; kept in the run, sampled like any other
        Path ss = dir.resolve("cond-ss");
        assertEquals(0, run("train", "--data", "idx:" + data, "--conditional", "--steps", "2", "--batch", "4", "--base", "8",
                "--mults", "1,2", "--blocks", "1", "--scale-shift", "--out", ss.toString()).code());
        assertTrue(Run.open(ss).model().unet().scaleShift(), "scale-shift is part of the model config");
        assertFalse(Run.open(runDir).model().unet().scaleShift(), "off by default");
        Path ssOut = dir.resolve("ss-out");
        Result sr = run("sample", "--run", ss.toString(), "--class", "1", "--n", "2", "--steps", "3", "--guidance", "1", "--out", ssOut.toString());
        assertEquals(0, sr.code(), sr.err());
        assertTrue(Files.exists(ssOut.resolve("000001.png")));
        assertOneLineError(run("train", "--data", "idx:" + data, "--model", "seed", "--scale-shift", "--out", dir.resolve("x").toString()), 1,
                "--scale-shift is a U-Net setting");

        // inpainting an ordinary 8-bit grayscale PNG written by PIL (mid-grey strokes: values a gray-to-sRGB
        // conversion would move), with a PIL-made mask whose white left half is regenerated
        Path in = dir.resolve("in.png");
        Path maskFile = dir.resolve("mask.png");
        byte[] digit;
        try (var a = CliTest.class.getResourceAsStream("/pictures/digit8.png");
                var b = CliTest.class.getResourceAsStream("/pictures/digit8-mask.png");
                var c = CliTest.class.getResourceAsStream("/pictures/digit8.png.raw")) {
            Files.write(in, a.readAllBytes());
            Files.write(maskFile, b.readAllBytes());
            digit = c.readAllBytes();
        }
        Path ip = dir.resolve("inpaint");
        Result r = run("inpaint", "--run", runDir.toString(), "--image", in.toString(), "--mask", maskFile.toString(),
                "--class", "1", "--n", "2", "--steps", "4", "--resample", "2", "--out", ip.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(ip.resolve("panel.png")));
        for (String candidate : List.of("000000.png", "000001.png")) {
            org.ddpm4j.image.Pixels res = org.ddpm4j.image.Pixels.of(org.ddpm4j.image.Images.read(ip.resolve(candidate)));
            assertEquals(1, res.channels(), "a gray candidate");
            for (int y = 0; y < 8; y++) {
                for (int x = 4; x < 8; x++) {
                    assertEquals(digit[y * 8 + x] & 0xFF, res.get(x, y, 0), candidate + ": kept pixel " + x + "," + y);
                }
            }
        }
        java.awt.image.BufferedImage big = new java.awt.image.BufferedImage(28, 28, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        Path bigFile = dir.resolve("big.png");
        javax.imageio.ImageIO.write(big, "png", bigFile.toFile());
        assertOneLineError(run("inpaint", "--run", runDir.toString(), "--image", bigFile.toString(), "--mask", maskFile.toString(),
                "--out", ip.toString()), 1, "the image is 28x28 but the run makes 8x8 images");
        assertOneLineError(run("inpaint", "--run", runDir.toString(), "--image", in.toString(), "--mask", bigFile.toString(),
                "--out", ip.toString()), 1, "the mask is 28x28");
        Files.write(dir.resolve("bad.png"), new byte[] {1, 2, 3});
        assertOneLineError(run("inpaint", "--run", runDir.toString(), "--image", dir.resolve("bad.png").toString(),
                "--mask", maskFile.toString(), "--out", ip.toString()), 1, "not a readable image");

        // guidance and classes need a conditional run
        Path plain = dir.resolve("plain");
        assertEquals(0, run("train", "--data", "idx:" + data, "--steps", "2", "--batch", "4", "--base", "8", "--mults", "1,2",
                "--blocks", "1", "--out", plain.toString()).code());
        assertOneLineError(run("sample", "--run", plain.toString(), "--guidance", "2", "--out", all.toString()), 1, "--guidance needs a class-conditional run");
        assertOneLineError(run("sample", "--run", plain.toString(), "--class", "1", "--out", all.toString()), 1, "--class needs a class-conditional run");
        assertOneLineError(run("sample", "--run", plain.toString(), "--guidance-rescale", "0.5", "--out", all.toString()), 1,
                "--guidance-rescale needs a class-conditional run");
        assertOneLineError(run("sample", "--run", plain.toString(), "--guidance-interval", "0.2:0.8", "--out", all.toString()), 1,
                "--guidance-interval needs a class-conditional run");
        assertOneLineError(run("eval", "--run", plain.toString(), "--guidance", "2", "--n", "10"), 1, "--guidance needs a class-conditional run");
        assertOneLineError(run("inpaint", "--run", plain.toString(), "--image", in.toString(), "--mask", maskFile.toString(),
                "--class", "1", "--out", ip.toString()), 1, "--class needs a class-conditional run");

        // autoguidance: --guide-run names a weaker run of the same kind; unconditional runs may use it too
        Path weak = dir.resolve("weak");
        assertEquals(0, run("train", "--data", "idx:" + data, "--steps", "1", "--batch", "4", "--base", "8", "--mults", "1,2",
                "--blocks", "1", "--out", weak.toString()).code());
        Path unguided = dir.resolve("unguided");
        Path autoguided = dir.resolve("autoguided");
        assertEquals(0, run("sample", "--run", plain.toString(), "--n", "2", "--steps", "4", "--out", unguided.toString()).code());
        Result ag = run("sample", "--run", plain.toString(), "--n", "2", "--steps", "4", "--guide-run", weak.toString(),
                "--guidance", "1.5", "--out", autoguided.toString());
        assertEquals(0, ag.code(), ag.err());
        assertTrue(!java.util.Arrays.equals(Files.readAllBytes(unguided.resolve("grid.png")), Files.readAllBytes(autoguided.resolve("grid.png"))),
                "the guide changes the samples");
        Result agi = run("inpaint", "--run", runDir.toString(), "--image", in.toString(), "--mask", maskFile.toString(), "--class", "1",
                "--n", "1", "--steps", "3", "--resample", "1", "--guide-run", runDir.toString(), "--out", dir.resolve("ag-inpaint").toString());
        assertEquals(0, agi.code(), agi.err());
        assertOneLineError(run("sample", "--run", runDir.toString(), "--class", "1", "--guide-run", plain.toString(), "--out", all.toString()), 1,
                "--guide-run " + plain + " cannot guide " + runDir + ": it knows no classes, the run 2 classes");
        Result ev = run("eval", "--run", runDir.toString(), "--n", "10", "--guidance", "1", "--guide-run", runDir.toString(), "--steps", "2");
        assertEquals(0, ev.code(), ev.err());
        assertTrue(ev.out().contains("\"guide_run\":\"" + runDir + "\""), ev.out());
        Result evCfg = run("eval", "--run", runDir.toString(), "--n", "10", "--guidance", "1", "--guide-run", runDir.toString(), "--cfg", "0.5",
                "--guidance-parallel", "0.5", "--steps", "2");
        assertEquals(0, evCfg.code(), evCfg.err());
        assertTrue(evCfg.out().contains("\"guidance_parallel\":0.5,\"cfg\":0.5,\"guide_run\""), evCfg.out());
        assertOneLineError(run("sample", "--run", plain.toString(), "--guide-run", weak.toString(), "--cfg", "1", "--out", all.toString()), 1,
                "--cfg needs --class");
        Result realRow = run("eval", "--run", runDir.toString(), "--n", "10", "--real");
        assertEquals(0, realRow.code(), realRow.err());
        assertTrue(realRow.out().contains("\"model\":\"real images\"") && realRow.out().contains("\"n\":20")
                && !realRow.out().contains("guidance"), "a conditional run's real row: 10 real images of each class, no guidance: " + realRow.out());
        Path one = dir.resolve("ones");
        assertEquals(0, run("train", "--data", "idx:" + data, "--digit", "1", "--steps", "1", "--batch", "4", "--base", "8", "--mults", "1,2",
                "--blocks", "1", "--out", one.toString()).code());
        assertOneLineError(run("eval", "--run", plain.toString(), "--guide-run", one.toString(), "--n", "10"), 1,
                "--guide-run " + one + " cannot guide " + plain + ": it was trained with digit 1, the run with none");
        assertOneLineError(run("sample", "--run", plain.toString(), "--guide-run", dir.resolve("nowhere").toString(), "--out", all.toString()), 1,
                "no run at");
    }

    @Test
    void resumeContinuesARunExactly() throws IOException {
        Path data = tinyData();
        String[] common = {"train", "--data", "idx:" + data, "--steps", "8", "--batch", "4", "--base", "8", "--mults", "1,2",
            "--blocks", "1", "--checkpoint-every", "3", "--warmup", "2", "--seed", "11"};
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        assertEquals(0, run(concat(common, "--out", a.toString())).code());
        // b "crashes" after step 4: its last checkpoint is from step 3, and step 4 is in its log
        Result crashed = run(concat(common, "--out", b.toString(), "--stop-after", "4"));
        assertEquals(0, crashed.code(), crashed.err());
        assertEquals(4, Files.readAllLines(b.resolve(Run.LOG)).size());
        Result resumed = run("train", "--out", b.toString(), "--resume");
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("resuming") && resumed.out().contains("at step 3 of 8"), resumed.out());
        assertEquals(stripRss(Files.readAllLines(a.resolve(Run.LOG))), stripRss(Files.readAllLines(b.resolve(Run.LOG))),
                "the resumed loss log equals the uninterrupted one");
        var ca = CheckpointFile.read(a.resolve(Run.CHECKPOINT)).tensors();
        var cb = CheckpointFile.read(b.resolve(Run.CHECKPOINT)).tensors();
        assertEquals(ca.keySet(), cb.keySet());
        assertTrue(ca.keySet().stream().anyMatch(k -> k.startsWith("ema/")) && ca.keySet().stream().anyMatch(k -> k.startsWith("adam.m/")));
        for (String k : ca.keySet()) {
            assertArrayEquals(ca.get(k).data(), cb.get(k).data(), 0f, "tensor " + k + " equals bit for bit");
        }
        Result again = run("train", "--out", b.toString(), "--resume");
        assertEquals(0, again.code());
        assertTrue(again.out().contains("nothing to do"), again.out());
    }

    @Test
    void guideAtKeepsTheRunsEarlySelfForAutoguidance() throws IOException {
        Path data = tinyData();
        String[] base = {"train", "--data", "idx:" + data, "--conditional", "--steps", "6", "--batch", "4", "--base", "8", "--mults", "1,2",
            "--blocks", "1", "--warmup", "2", "--seed", "5", "--guide-at", "4"};
        String[] common = concat(base, "--checkpoint-every", "3");
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        Result ta = run(concat(common, "--out", a.toString()));
        assertEquals(0, ta.code(), ta.err());
        Run guide = Run.open(a.resolve("guide"));
        assertEquals(4, guide.stateSection().get("step").getAsLong(), "the guide holds step 4 (not a checkpoint step)");
        assertEquals(6, Run.open(a).stateSection().get("step").getAsLong());
        var g = guide.checkpoint().tensors();
        var fin = Run.open(a).checkpoint().tensors();
        assertTrue(g.keySet().stream().anyMatch(k -> k.startsWith("ema/")));
        assertTrue(g.keySet().stream().anyMatch(k -> !java.util.Arrays.equals(g.get(k).data(), fin.get(k).data())),
                "the guide's weights are not the final ones");
        // a run killed after step 5 and resumed from its step-3 checkpoint keeps the same guide, bit for bit
        assertEquals(0, run(concat(common, "--out", b.toString(), "--stop-after", "5")).code());
        assertEquals(0, run("train", "--out", b.toString(), "--resume").code());
        var gb = Run.open(b.resolve("guide")).checkpoint().tensors();
        assertEquals(g.keySet(), gb.keySet());
        for (String k : g.keySet()) {
            assertArrayEquals(g.get(k).data(), gb.get(k).data(), 0f, "guide tensor " + k);
        }
        // it is exactly the run's checkpoint of step 4
        Path c = dir.resolve("c");
        assertEquals(0, run(concat(base, "--checkpoint-every", "2", "--stop-after", "4", "--out", c.toString())).code());
        var c4 = Run.open(c).checkpoint().tensors();
        assertEquals(g.keySet(), c4.keySet());
        for (String k : g.keySet()) {
            assertArrayEquals(g.get(k).data(), c4.get(k).data(), 0f, "step-4 checkpoint tensor " + k);
        }
        // the guide is a run of its own: it autoguides its run
        Path out = dir.resolve("self-guided");
        Result s = run("sample", "--run", a.toString(), "--class", "1", "--n", "2", "--steps", "3", "--guidance", "1",
                "--guide-run", a.resolve("guide").toString(), "--out", out.toString());
        assertEquals(0, s.code(), s.err());
        assertTrue(Files.isRegularFile(out.resolve("grid.png")));
        // a run trained anew over it (--force) does not inherit the old guide
        assertEquals(0, run("train", "--data", "idx:" + data, "--conditional", "--steps", "2", "--batch", "4", "--base", "8",
                "--mults", "1,2", "--blocks", "1", "--out", a.toString(), "--force").code());
        assertFalse(Files.exists(a.resolve("guide")), "the overwritten run's guide is gone");
        Result late = run("train", "--data", "idx:" + data, "--epochs", "1", "--batch", "4", "--base", "8", "--mults", "1,2", "--blocks", "1",
                "--guide-at", "100000", "--out", dir.resolve("late").toString());
        assertEquals(0, late.code(), late.err());
        assertTrue(late.err().contains("warning: no guide kept") && !Files.exists(dir.resolve("late").resolve("guide")), late.err());
        assertOneLineError(run("train", "--data", "idx:" + data, "--steps", "6", "--guide-at", "6", "--out", dir.resolve("x").toString()), 1,
                "--guide-at must come before the last of the 6 --steps, got 6");
        assertOneLineError(run("train", "--data", "idx:" + data, "--steps", "6", "--guide-at", "0", "--out", dir.resolve("x").toString()), 1,
                "--guide-at must be >= 1, got 0");
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static java.util.List<String> stripRss(java.util.List<String> lines) {
        return lines.stream().map(l -> l.replaceAll(",\"(rss_mib|images_per_s)\":[0-9.]+", "")).toList();
    }
}
