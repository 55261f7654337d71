package org.ddpm4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.ddpm4j.api.DiffusionModel;
import org.ddpm4j.api.Evaluation;
import org.ddpm4j.api.Generation;
import org.ddpm4j.api.Guide;
import org.ddpm4j.api.SamplerKind;
import org.ddpm4j.api.Training;
import org.ddpm4j.data.TinyData;
import org.ddpm4j.image.Images;
import org.ddpm4j.image.Pixels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI is a layer over the API: for the same run, request and seed, {@code ./ddpm sample} writes the API's
 * pictures and {@code ./ddpm eval} reports the evaluation API's scores.
 */
@org.junit.jupiter.api.extension.ExtendWith(org.ddpm4j.util.PrivateCache.class)
class CliMatchesApiTest {

    @TempDir
    Path dir;

    @Test
    void sampleWritesTheApisImages() throws Exception {
        Path data = TinyData.idx(dir);
        Path run = dir.resolve("cond");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Training.run(Training.unet().data("idx:" + data).conditional(true).steps(3).batch(4).base(8).mults(1, 2).blocks(1).plan(),
                run, false, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        Path api = dir.resolve("api-out");
        try (DiffusionModel model = DiffusionModel.open(run)) {
            model.generate(Generation.builder().count(5).classIndex(1).sampler(SamplerKind.DDIM).steps(4).guidance(2).seed(3).build())
                    .writePngs(api);
        }
        Path cli = dir.resolve("cli-out");
        int code = Main.run(new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8),
                "sample", "--run", run.toString(), "--n", "5", "--class", "1", "--sampler", "ddim", "--steps", "4", "--guidance", "2",
                "--seed", "3", "--out", cli.toString());
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        for (int i = 0; i < 5; i++) {
            String f = String.format("%06d.png", i);
            assertArrayEquals(Pixels.of(Images.read(api.resolve(f))).data(), Pixels.of(Images.read(cli.resolve(f))).data(), f);
        }
        // ./ddpm eval scores what the evaluation API scores
        Evaluation.Result r;
        Evaluation.Result plain;
        try (DiffusionModel model = DiffusionModel.open(run)) {
            r = model.evaluate(Evaluation.builder().count(10).settings(Generation.builder().steps(4).guidance(2).seed(1).batch(250).build()).build(), new PrintStream(new ByteArrayOutputStream()));
            plain = model.evaluate(Evaluation.builder().count(10).settings(Generation.builder().steps(4).guide(Guide.none()).seed(1).batch(250).build()).build(), new PrintStream(new ByteArrayOutputStream()));
        }
        assertNotEquals(r.fid(), plain.fid(), "guidance 2 changes the images");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        code = Main.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                "eval", "--run", run.toString(), "--n", "10", "--steps", "4", "--guidance", "2", "--seed", "1");
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        JsonObject line = JsonParser.parseString(out.toString(StandardCharsets.UTF_8).lines().findFirst().orElseThrow()).getAsJsonObject();
        assertEquals(r.images(), line.get("n").getAsInt());
        assertEquals(r.fid(), line.get("fid").getAsDouble(), 1e-3 * Math.max(1, r.fid()), "FID (the line rounds to 3 decimals)");
        assertEquals(r.accuracy(), line.get("accuracy").getAsDouble(), 1e-4);
        for (int c = 0; c < 2; c++) {
            assertEquals(r.classAccuracy().get(c), line.getAsJsonArray("class_accuracy").get(c).getAsDouble(), 1e-4);
        }
        // beside the mean: the worst class, and the cost of the guidance against the same seeds unguided
        assertEquals(r.worstClass(), line.get("worst_class").getAsInt());
        assertEquals(r.classAccuracy().get(r.worstClass()), line.get("worst_class_accuracy").getAsDouble(), 1e-4);
        assertEquals(plain.fid(), line.get("fid_unguided").getAsDouble(), 1e-3 * Math.max(1, plain.fid()));
        assertEquals(plain.accuracy(), line.get("accuracy_unguided").getAsDouble(), 1e-4);
        assertEquals(r.fid() / plain.fid(), line.get("guidance_fid_cost").getAsDouble(), 1e-3 * Math.max(1, r.fid() / plain.fid()));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("worst class"), "the table names the worst class");
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("the guidance costs"), "the table gives the guidance's cost");
        out.reset();
        code = Main.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                "eval", "--run", run.toString(), "--n", "10", "--steps", "4", "--guidance", "2", "--seed", "1", "--no-unguided");
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        line = JsonParser.parseString(out.toString(StandardCharsets.UTF_8).lines().findFirst().orElseThrow()).getAsJsonObject();
        assertFalse(line.has("fid_unguided"), "--no-unguided skips the unguided scoring");
        assertEquals(r.fid(), line.get("fid").getAsDouble(), 1e-3 * Math.max(1, r.fid()));
    }
}
