package org.ddpm4j.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ddpm4j.checkpoint.Run;
import org.ddpm4j.cli.Main;
import org.ddpm4j.model.Denoiser;
import org.ddpm4j.pipeline.DiffusionPipeline;
import org.ddpm4j.sampler.SamplerConfig;
import org.ddpm4j.util.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The same seed gives bit-identical samples: across processes, and across a save and load of the checkpoint. */
class ReproducibilityTest {

    @TempDir
    Path dir;

    private static float[] sample(Run run, NDManager m) {
        try (Denoiser net = run.loadModel(m, true)) {
            DiffusionPipeline p = new DiffusionPipeline(net, SamplerConfig.of("ddim", 0, "trailing", "beta", true).build(run.diffusion().build()));
            return p.generate(3, 6, 3, new Rng(9), (i, tot, t, x, x0) -> { });
        }
    }

    @Test
    void sameSeedSameSamplesAcrossProcessesAndAcrossSaveAndLoad() throws Exception {
        Path data = org.ddpm4j.cli.CliTest.tinyData(dir);
        Path runDir = dir.resolve("run");
        int code = Main.run(new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()),
                "train", "--data", "idx:" + data, "--steps", "4", "--batch", "4", "--base", "8", "--mults", "1,2", "--blocks", "1",
                "--sample-every", "0", "--out", runDir.toString());
        assertEquals(0, code);

        // save and load: write the loaded run to a new directory, load that, sample again
        Run run = Run.open(runDir);
        Path copy = dir.resolve("copy");
        Run.save(copy, run.checkpoint().meta(), run.checkpoint().tensors());
        try (NDManager m = NDManager.newBaseManager()) {
            float[] a = sample(run, m);
            float[] b = sample(Run.open(copy), m);
            assertArrayEquals(a, b, 0f, "a saved and reloaded checkpoint samples the same bits");
        }

        // two separate processes, same seed: the same PNG bytes
        List<byte[]> grids = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Path out = dir.resolve("proc" + i);
            Process p = org.ddpm4j.cli.ChildJvm.builder(List.of("sample", "--run", runDir.toString(),
                    "--n", "4", "--steps", "5", "--seed", "3", "--out", out.toString()))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("proc" + i + ".log").toFile()).start();
            assertEquals(0, p.waitFor(), Files.readString(dir.resolve("proc" + i + ".log"), StandardCharsets.UTF_8));
            grids.add(Files.readAllBytes(out.resolve("grid.png")));
        }
        assertArrayEquals(grids.get(0), grids.get(1), "two processes, one seed, identical images");
    }
}
