package org.ddpm4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.ddpm4j.data.Shapes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training, sampling, eval, GIF and inpainting on an RGB image folder, end to end through the CLI. */
class FolderCliTest {

    @TempDir
    Path dir;

    @Test
    void rgbFolderWithNamedClassesWorksEndToEnd() throws Exception {
        Path data = Shapes.write(dir.resolve("shapes"), 8, 2, 4);
        Path run = dir.resolve("run");
        System.setProperty("ddpm4j.cache", dir.resolve("cache").toString());
        try {
            CliTest.Result t = CliTest.run("train", "--data", "folder:" + data, "--size", "8", "--conditional", "--steps", "3", "--batch", "4",
                    "--base", "8", "--mults", "1,2", "--blocks", "1", "--sample-every", "0", "--out", run.toString());
            assertEquals(0, t.code(), t.err());
            assertTrue(t.out().contains("16 images"), t.out());

            Path s = dir.resolve("s");
            CliTest.Result r = CliTest.run("sample", "--run", run.toString(), "--class", "square", "--guidance", "2", "--n", "2", "--steps", "3",
                    "--gif", dir.resolve("d.gif").toString(), "--out", s.toString());
            assertEquals(0, r.code(), r.err());
            BufferedImage img = ImageIO.read(s.resolve("000000.png").toFile());
            assertEquals(8, img.getWidth());
            assertTrue(Files.size(dir.resolve("d.gif")) > 0);
            CliTest.assertOneLineError(CliTest.run("sample", "--run", run.toString(), "--class", "triangle", "--out", s.toString()), 1,
                    "unknown class 'triangle' (this run knows classes 0..1: 0 = circle, 1 = square)");
            CliTest.assertOneLineError(CliTest.run("sample", "--run", run.toString(), "--class", "name:1", "--out", s.toString()), 1,
                    "unknown class 'name:1'");

            CliTest.Result e = CliTest.run("eval", "--run", run.toString(), "--n", "10", "--steps", "2");
            assertEquals(0, e.code(), e.err());
            JsonObject o = JsonParser.parseString(e.out().lines().findFirst().orElseThrow()).getAsJsonObject();
            assertEquals(2, o.getAsJsonArray("class_accuracy").size(), "the classifier learnt the folder's two classes");

            Files.copy(s.resolve("000000.png"), dir.resolve("in.png"));
            BufferedImage mask = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 4; x++) {
                    mask.getRaster().setSample(x, y, 0, 255);
                }
            }
            ImageIO.write(mask, "png", dir.resolve("mask.png").toFile());
            CliTest.Result ip = CliTest.run("inpaint", "--run", run.toString(), "--image", dir.resolve("in.png").toString(), "--mask",
                    dir.resolve("mask.png").toString(), "--class", "name:circle", "--n", "2", "--steps", "3", "--resample", "1", "--out", dir.resolve("ip").toString());
            assertEquals(0, ip.code(), ip.err());
            assertTrue(Files.exists(dir.resolve("ip").resolve("panel.png")));

            // without classes: unconditional training, and eval against the whole folder with a self-supervised classifier
            Path flat = Files.createDirectories(dir.resolve("flat"));
            try (var files = Files.walk(data)) {
                for (Path p : files.filter(Files::isRegularFile).toList()) {
                    Files.copy(p, flat.resolve(p.getFileName()));
                }
            }
            Path run2 = dir.resolve("run2");
            assertEquals(0, CliTest.run("train", "--data", "folder:" + flat, "--size", "8", "--steps", "2", "--batch", "4", "--base", "8",
                    "--mults", "1,2", "--blocks", "1", "--sample-every", "0", "--out", run2.toString()).code());
            CliTest.Result e2 = CliTest.run("eval", "--run", run2.toString(), "--n", "10", "--steps", "2");
            assertEquals(0, e2.code(), e2.err());
            assertTrue(JsonParser.parseString(e2.out().lines().findFirst().orElseThrow()).getAsJsonObject().get("fid").getAsDouble() >= 0);

            CliTest.assertOneLineError(CliTest.run("train", "--data", "folder:" + data, "--size", "6", "--steps", "1", "--out",
                    dir.resolve("r3").toString()), 1, "does not fit a U-Net");
            CliTest.assertOneLineError(CliTest.run("train", "--data", "mnist", "--size", "32", "--steps", "1", "--out",
                    dir.resolve("r4").toString()), 1, "--size resizes folder: data only");
        } finally {
            System.clearProperty("ddpm4j.cache");
        }
    }
}
