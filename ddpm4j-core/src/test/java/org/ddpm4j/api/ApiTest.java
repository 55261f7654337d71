package org.ddpm4j.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ddpm4j.data.TinyData;
import org.ddpm4j.image.Images;
import org.ddpm4j.image.Pixels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The public API, used as a library user would: open a run, generate, inpaint; invalid requests name their field. */
@org.junit.jupiter.api.extension.ExtendWith(org.ddpm4j.util.PrivateCache.class)
class ApiTest {

    /** A listener that cancels the run once step {@code n} is done. */
    static TrainingListener cancelAt(long n) {
        return new TrainingListener() {
            long step;

            @Override
            public void onStep(long step, long total, int epoch, double loss, double ips) {
                this.step = step;
            }

            @Override
            public boolean cancelled() {
                return step >= n;
            }
        };
    }


    static Path dir;
    static Path cond;
    static Path plain;
    static Path data;

    @BeforeAll
    static void train() throws Exception {
        dir = Files.createTempDirectory("ddpm4j-api");
        data = TinyData.idx(dir);
        cond = dir.resolve("cond");
        plain = dir.resolve("plain");
        train(Training.unet().data("idx:" + data).conditional(true).steps(3), cond);
        train(Training.unet().data("idx:" + data).digit(1).steps(2), plain);
    }

    /** A tiny U-Net (base 8, two levels, one block each) trained at batch 4, as a library user would. */
    static void train(Training.Recipe recipe, Path out) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Training.run(recipe.batch(4).base(8).mults(1, 2).blocks(1).plan(), out, false,
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertTrue(Files.exists(out.resolve(org.ddpm4j.checkpoint.Run.CHECKPOINT)), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aCancelledTrainingSavesItsStepAndResumesToTheWeightsOfAnUninterruptedOne() throws Exception {
        Training.Recipe recipe = Training.unet().data("idx:" + data).digit(1).steps(6).batch(4).base(8).mults(1, 2).blocks(1)
                .sampleEvery(0).checkpointEvery(0).emaStds(List.of(0.10)).chooseWeights(0);
        Path whole = dir.resolve("whole");
        Path cut = dir.resolve("cut");
        List<Long> seen = new ArrayList<>();
        List<String> said = new ArrayList<>();
        Training.Outcome full = Training.run(recipe.plan(), whole, false, new TrainingListener() {
            @Override
            public void onStep(long step, long total, int epoch, double loss, double ips) {
                seen.add(step);
                assertEquals(6, total);
                assertTrue(Double.isFinite(loss));
            }

            @Override
            public void onMessage(String line) {
                said.add(line);
            }
        });
        assertEquals(new Training.Outcome(6, 6, true), full);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), seen);
        assertTrue(said.get(0).startsWith("training "), said.toString());
        assertTrue(said.get(said.size() - 1).startsWith("trained 6 steps"), said.toString());

        Training.Outcome stopped = Training.run(recipe.plan(), cut, false, cancelAt(3));
        assertEquals(new Training.Outcome(3, 6, false), stopped);
        assertEquals(3, org.ddpm4j.checkpoint.Run.open(cut).stateSection().get("step").getAsLong(), "saved at the cancelled step");
        assertEquals(new Training.Outcome(6, 6, true), Training.run(Training.resumePlan(cut), cut, true, TrainingListener.NONE));
        try (DiffusionModel a = DiffusionModel.open(whole, DiffusionModel.Weights.RAW);
                DiffusionModel b = DiffusionModel.open(cut, DiffusionModel.Weights.RAW)) {
            Generation g = Generation.builder().count(2).steps(3).seed(5).build();
            assertArrayEquals(a.generate(g).values(), b.generate(g).values(), 0f, "cancel + resume = one uninterrupted run");
        }
        DiffusionModel.Weights power = DiffusionModel.Weights.parse("ema:0.1");
        try (DiffusionModel a = DiffusionModel.open(whole, power);
                DiffusionModel b = DiffusionModel.open(cut, power);
                DiffusionModel raw = DiffusionModel.open(whole, DiffusionModel.Weights.RAW)) {
            assertEquals("ema:0.100", a.weights().toString());
            Generation g = Generation.builder().count(2).steps(3).seed(5).build();
            float[] pa = a.generate(g).values();
            assertArrayEquals(pa, b.generate(g).values(), 0f, "the power-function EMA resumes exactly too");
            assertTrue(!java.util.Arrays.equals(pa, raw.generate(g).values()), "the power-function EMA is not the raw weights");
        }
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> DiffusionModel.open(whole, DiffusionModel.Weights.powerEma(0.05)));
        assertEquals("weights", e.field());
        assertTrue(e.getMessage().contains("[0.1]"), e.getMessage());
    }

    @Test
    void generatesTheSameImagesAtAnyBatchSize() throws Exception {
        try (DiffusionModel model = DiffusionModel.open(cond)) {
            assertTrue(model.conditional());
            assertEquals(8, model.size());
            assertEquals(1, model.channels());
            Generation g = Generation.builder().count(5).classIndex(1).sampler(SamplerKind.DDIM).steps(4).guidance(2).seed(3).build();
            GeneratedImages a = model.generate(g);
            assertEquals(5, a.count());
            assertEquals(5 * 64, a.values().length);
            GeneratedImages b = model.generate(g.toBuilder().batch(2).build());
            // the same noise whatever the batch; only the network's float rounding may differ (about 1e-6)
            assertArrayEquals(a.values(), b.values(), 1e-4f, "the batch size does not change an image");
            GeneratedImages first = model.generate(g.toBuilder().count(2).build());
            assertArrayEquals(a.values(1), first.values(1), 1e-4f, "image 1 of 2 is image 1 of 5");
            Path out = dir.resolve("api-out");
            a.writePngs(out);
            assertTrue(Files.exists(out.resolve("grid.png")) && Files.exists(out.resolve("000004.png")));
        }
    }

    @Test
    void aRunRecordsWhereItsDataWasSoThatItIsFoundFromAnotherDirectory() throws Exception {
        org.ddpm4j.checkpoint.Run r = org.ddpm4j.checkpoint.Run.open(cond);
        assertEquals(data.toAbsolutePath().normalize().toString(), r.checkpoint().meta().get(org.ddpm4j.checkpoint.Run.DATA_PATH).getAsString());
        Path elsewhere = Files.createTempDirectory("ddpm4j-cwd");
        Path pics = Files.createDirectories(elsewhere.resolve("pics"));
        String recorded = pics.toString();
        // trained as folder:pics from elsewhere; evaluated from another directory, where pics does not exist
        assertEquals("folder:" + recorded, org.ddpm4j.checkpoint.Run.resolveDataSpec("folder:pics", recorded, dir));
        assertEquals("idx:" + recorded, org.ddpm4j.checkpoint.Run.resolveDataSpec("idx:pics", recorded, dir));
        // evaluated from the training's directory, or with the project moved: the relative path wins
        assertEquals("folder:pics", org.ddpm4j.checkpoint.Run.resolveDataSpec("folder:pics", recorded, elsewhere));
        assertEquals("folder:pics", org.ddpm4j.checkpoint.Run.resolveDataSpec("folder:pics", dir.resolve("gone").toString(), dir));
        assertEquals("folder:pics", org.ddpm4j.checkpoint.Run.resolveDataSpec("folder:pics", null, dir));
        assertEquals("mnist", org.ddpm4j.checkpoint.Run.resolveDataSpec("mnist", recorded, dir));
        assertEquals("folder:" + dir, org.ddpm4j.checkpoint.Run.resolveDataSpec("folder:" + dir, recorded, elsewhere), "absolute specs stay");
    }

    @Test
    void theListenerSeesEveryStepOfEveryBatchAndCanStopTheWork() {
        try (DiffusionModel model = DiffusionModel.open(cond)) {
            Generation g = Generation.builder().count(5).batch(2).classIndex(0).steps(3).seed(4).build();
            java.util.List<long[]> seen = new java.util.ArrayList<>();
            GeneratedImages all = model.generate(g, step -> {
                assertEquals(step.batchSize() * 64, step.current(16).length, "the whole (small) batch");
                assertEquals(64, step.predictedClean(1).length, "one image asked for");
                seen.add(new long[] {step.batch(), step.index(), step.done(), step.batches(), step.steps(), step.timestep()});
            });
            assertEquals(9, seen.size(), "3 batches (2, 2, 1 images) of 3 steps");
            for (int i = 0; i < 9; i++) {
                assertArrayEquals(new long[] {i / 3, i % 3 + 1, i + 1, 3, 3}, java.util.Arrays.copyOf(seen.get(i), 5), "call " + i);
            }
            assertTrue(seen.get(0)[5] > seen.get(1)[5] && seen.get(1)[5] > seen.get(2)[5], "timesteps go down");
            class Stop extends RuntimeException {}
            int[] calls = {0};
            assertThrows(Stop.class, () -> model.generate(g, step -> {
                if (++calls[0] == 4) {
                    throw new Stop();
                }
            }));
            assertEquals(4, calls[0], "the work stops at the throwing step");
            assertArrayEquals(all.values(), model.generate(g).values(), 0f, "the model is usable after a stopped generation");
        }
    }

    @Test
    void everyClassAndAutoguidanceThroughTheGuide() {
        try (DiffusionModel model = DiffusionModel.open(cond); DiffusionModel self = DiffusionModel.open(cond);
                DiffusionModel other = DiffusionModel.open(plain)) {
            Generation every = Generation.builder().count(3).everyClass().steps(3).seed(5).build();
            GeneratedImages e = model.generate(every);
            assertEquals(6, e.count(), "3 of each of the 2 classes");
            assertEquals(3, model.generate(every.toBuilder().classIndex(1).build()).count(), "one class: count images");
            Generation unguided = every.toBuilder().classIndex(1).guide(Guide.none()).build();
            // autoguidance from the very same network pushes along cond - cond = 0: the unguided images
            Generation auto = unguided.toBuilder().guide(Guide.autoguidance(self, 2.0)).build();
            assertArrayEquals(model.generate(unguided).values(), model.generate(auto).values(), 1e-5f);
            Generation guided = unguided.toBuilder().guide(Guide.autoguidance(self, 2.0).withClassifierFree(1.0)).build();
            assertArrayEquals(model.generate(unguided.toBuilder().guidance(1.0).build()).values(), model.generate(guided).values(), 1e-5f,
                    "self-autoguidance plus classifier-free w is classifier-free w");
            InvalidRequestException bad = assertThrows(InvalidRequestException.class,
                    () -> model.generate(unguided.toBuilder().guide(Guide.autoguidance(other, 1)).build()));
            assertEquals("guide", bad.field());
            assertTrue(bad.getMessage().contains("it knows no classes, the run 2 classes"), bad.getMessage());
            assertEquals("cfg", assertThrows(InvalidRequestException.class, () -> Guide.autoguidance(self, 1).withClassifierFree(51)).field());
            assertEquals("guidance-rescale", assertThrows(InvalidRequestException.class, () -> Guide.classifierFree(1).rescale(2)).field());
        }
    }

    @Test
    void inpaintingKeepsTheDarkMaskPixels() {
        try (DiffusionModel model = DiffusionModel.open(cond)) {
            BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
            BufferedImage mask = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    img.getRaster().setSample(x, y, 0, (x * 37 + y * 11) % 256);
                    mask.getRaster().setSample(x, y, 0, x < 4 ? 255 : 0);
                }
            }
            GeneratedImages r = model.inpaint(Inpainting.of(img, mask).count(3).steps(4).resample(2).classIndex(0).seed(1).build());
            assertEquals(3, r.count());
            for (int i = 0; i < 3; i++) {
                Pixels p = Pixels.of(r.image(i));
                for (int y = 0; y < 8; y++) {
                    for (int x = 4; x < 8; x++) {
                        assertEquals((x * 37 + y * 11) % 256, p.get(x, y, 0), "candidate " + i + " kept pixel " + x + "," + y);
                    }
                }
            }
            java.util.List<BufferedImage> panel = r.panel();
            assertEquals(5, panel.size(), "input, mask, three completions");
            Pixels in = Pixels.of(panel.get(0));
            Pixels m = Pixels.of(panel.get(1));
            assertEquals((5 * 37 + 2 * 11) % 256, in.get(5, 2, 0), "the input as read");
            assertEquals(255, m.get(1, 1, 0), "white: regenerated");
            assertEquals(0, m.get(6, 1, 0), "black: kept");
            assertEquals(3, model.generate(Generation.builder().count(3).steps(2).build()).panel().size(), "a generation's panel is its images");
        }
    }

    @Test
    void slicesOfARequestAreItsImagesBitForBit() {
        try (DiffusionModel model = DiffusionModel.open(cond)) {
            Generation whole = Generation.builder().count(5).everyClass().steps(3).seed(7).batch(2).build();
            float[] all = model.generate(whole).values();
            int per = 64;
            assertArrayEquals(new int[] {0, 0, 0, 0, 0, 1, 1, 1, 1, 1}, model.imageClasses(whole));
            // slices that start at multiples of the batch: the same batches, so the same floats
            int[][] cuts = {{0, 4}, {4, 6}, {6, 10}};
            for (int[] c : cuts) {
                GeneratedImages part = model.generate(whole.toBuilder().slice(c[0], c[1]).build());
                assertEquals(c[1] - c[0], part.count());
                assertArrayEquals(java.util.Arrays.copyOfRange(all, c[0] * per, c[1] * per), part.values(),
                        "images " + c[0] + ".." + c[1] + " (classes across the cut at 5)");
            }
            assertEquals("slice", assertThrows(InvalidRequestException.class,
                    () -> model.generate(whole.toBuilder().slice(8, 11).build())).field(), "past the request's 10 images");
            assertEquals("slice", assertThrows(InvalidRequestException.class, () -> whole.toBuilder().slice(3, 3).build()).field());
            assertArrayEquals(new int[] {-1, -1, -1}, model.imageClasses(Generation.builder().count(3).build()), "unconditional");
        }
    }

    @Test
    void evaluationPartsMergeIntoTheWholeEvaluation() {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        for (Path run : new Path[] {cond, plain}) {
            try (DiffusionModel model = DiffusionModel.open(run); DiffusionModel.Scorer scorer = model.scorer(3, quiet)) {
                Evaluation e = Evaluation.builder().count(12).settings(Generation.builder().steps(3).seed(4).batch(3).build()).build();
                Evaluation.Result whole = model.evaluate(e, quiet);
                int total = model.evaluationImages(e);
                assertEquals(run == cond ? 24 : 12, total);
                List<Evaluation.Part> parts = new ArrayList<>();
                int[] cuts = {0, 3, 9, total};
                for (int k = 0; k + 1 < cuts.length; k++) {
                    parts.add(model.evaluatePart(e, scorer, cuts[k], cuts[k + 1], GenerationListener.NONE));
                }
                Evaluation.Result merged = model.evaluateParts(e, scorer, parts, 1.0);
                // the merge is exact; the classifier reads the parts in smaller batches than the whole, and oneDNN's
                // rounding depends on the batch (measured: 5e-9 relative)
                assertEquals(whole.fid(), merged.fid(), 1e-6 * whole.fid(), run + ": FID of three parts");
                assertEquals(whole.accuracy(), merged.accuracy(), 0.0, run + ": accuracy");
                assertEquals(whole.classAccuracy(), merged.classAccuracy());
                assertEquals(total, merged.images());
                Evaluation.Result one = model.evaluateParts(e, scorer, List.of(model.evaluatePart(e, scorer, 0, total, GenerationListener.NONE)), 1.0);
                assertEquals(whole.fid(), one.fid(), 0.0, "one part is the whole evaluation exactly");
                assertEquals("parts", assertThrows(InvalidRequestException.class,
                        () -> model.evaluateParts(e, scorer, parts.subList(0, 2), 1.0)).field(), "parts that miss images");
                assertEquals("slice", assertThrows(InvalidRequestException.class,
                        () -> model.evaluatePart(e, scorer, 5, total + 1, GenerationListener.NONE)).field());
            }
        }
    }

    @Test
    void evaluatesWithTheMeter() {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        try (DiffusionModel model = DiffusionModel.open(cond)) {
            Evaluation e = Evaluation.builder().count(10).settings(Generation.builder().steps(4).seed(2).build()).build();
            Evaluation.Result r = model.evaluate(e, quiet);
            assertEquals(20, r.images(), "10 of each of the 2 classes");
            assertEquals(2, r.classAccuracy().size());
            assertEquals((r.classAccuracy().get(0) + r.classAccuracy().get(1)) / 2, r.accuracy(), 1e-12);
            assertTrue(r.fid() >= 0 && Double.isFinite(r.fid()), "fid " + r.fid());
            assertTrue(r.imagesPerSecond() > 0);
            assertEquals(3, r.meter());
            assertTrue(r.worstClass() == 0 || r.worstClass() == 1);
            assertEquals(r.fid(), model.evaluate(e, quiet).fid(), 0.0, "the same request scores the same");
            Evaluation.Result one = model.evaluate(Evaluation.builder().count(10)
                    .settings(Generation.builder().steps(4).seed(2).classIndex(1).build()).build(), quiet);
            assertEquals(10, one.images(), "one class named: only its images");
            assertTrue(one.classAccuracy().get(0).isNaN(), "class 0 is not scored");
            assertEquals(one.classAccuracy().get(1), one.accuracy(), 0.0);
            assertEquals(1, one.worstClass());
            Evaluation.Result real = model.evaluate(Evaluation.builder().count(10).realImages(true).build(), quiet);
            assertTrue(real.fid() < r.fid(), "real images score better than 4-step samples of a tiny run: " + real.fid() + " vs " + r.fid());
        }
        try (DiffusionModel model = DiffusionModel.open(plain)) {
            Evaluation.Result r = model.evaluate(Evaluation.builder().count(10).settings(Generation.builder().steps(4).build()).build(), quiet);
            assertEquals(10, r.images());
            assertTrue(r.classAccuracy().isEmpty());
            assertEquals(-1, r.worstClass());
            assertTrue(r.accuracy() >= 0 && r.accuracy() <= 1, "a digit-1 run is read as 1s: " + r.accuracy());
        }
        assertEquals("count", assertThrows(InvalidRequestException.class, () -> Evaluation.builder().count(9).build()).field());
        assertEquals("meter: must be 2 or 3, got 4",
                assertThrows(InvalidRequestException.class, () -> Evaluation.builder().meter(4).build()).getMessage());
    }

    @Test
    void settingErrorsFromBelowTheApiArriveAsInvalidRequests() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> Training.unet().data("mnist").steps(10).lr(2).plan());
        assertEquals("lr", e.field());
        assertEquals("lr: must be in (0, 1), got 2.0", e.getMessage());
        assertEquals("--lr must be in (0, 1), got 2.0", e.flagMessage());
        assertEquals("data", assertThrows(InvalidRequestException.class, () -> Training.unet().data(" ").steps(1).plan()).field());
    }

    @Test
    void invalidRequestsNameTheirField() {
        assertEquals("steps: must be in 1..1000, got 0",
                assertThrows(InvalidRequestException.class, () -> Generation.builder().steps(0)).getMessage());
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> Generation.builder().count(0).build());
        assertEquals("count", e.field());
        assertEquals("must be in 1..100000, got 0", e.reason());
        assertEquals("guidance", assertThrows(InvalidRequestException.class, () -> Generation.builder().guidance(-1).build()).field());
        assertEquals("sampler", assertThrows(InvalidRequestException.class,
                () -> Inpainting.of(new BufferedImage(8, 8, 10), new BufferedImage(8, 8, 10)).sampler(SamplerKind.DPM_SOLVER_PP).build()).field());
        try (DiffusionModel model = DiffusionModel.open(plain)) {
            InvalidRequestException c = assertThrows(InvalidRequestException.class,
                    () -> model.generate(Generation.builder().count(1).classIndex(0).build()));
            assertEquals("class: this model is not class-conditional: it cannot draw a chosen class", c.getMessage());
        }
        try (DiffusionModel model = DiffusionModel.open(cond)) {
            assertEquals("class", assertThrows(InvalidRequestException.class,
                    () -> model.generate(Generation.builder().count(1).classIndex(9).build())).field());
            assertEquals("image", assertThrows(InvalidRequestException.class,
                    () -> model.inpaint(Inpainting.of(new BufferedImage(9, 9, 10), new BufferedImage(8, 8, 10)).build())).field());
        }
    }
}
