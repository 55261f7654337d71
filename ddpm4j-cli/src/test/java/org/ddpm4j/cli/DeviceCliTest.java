package org.ddpm4j.cli;

import static org.ddpm4j.cli.CliTest.assertOneLineError;
import static org.ddpm4j.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.ddpm4j.data.TinyData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --device} on every command that runs a network: a GPU this build cannot reach is one line, before any work. */
class DeviceCliTest {

    @TempDir
    Path dir;

    @Test
    void aMissingGpuIsOneLineOnEveryCommand() throws Exception {
        Path data = TinyData.idx(dir);
        String r = dir.resolve("run").toString();
        String[] tiny = {"--data", "idx:" + data, "--digit", "1", "--steps", "2", "--batch", "4", "--base", "8", "--mults", "1,2", "--blocks", "1",
            "--sample-every", "0", "--choose-weights", "0"};
        String gpuRun = dir.resolve("gpu-run").toString();
        assertOneLineError(run(concat(new String[] {"train"}, tiny, new String[] {"--device", "gpu", "--out", gpuRun})), 1, "PyTorch sees no CUDA device");
        assertFalse(Files.exists(Path.of(gpuRun)), "refused before the run directory was made");
        assertOneLineError(run(concat(new String[] {"train"}, tiny, new String[] {"--device", "gpu:0,1", "--out", gpuRun})), 1, "PyTorch sees no CUDA device");
        assertOneLineError(run(concat(new String[] {"train"}, tiny, new String[] {"--device", "gpu:0,cpu", "--out", gpuRun})), 1, "must all be GPUs");
        assertOneLineError(run(concat(new String[] {"train"}, tiny, new String[] {"--device", "gpu:1,1", "--out", gpuRun})), 1, "named twice");
        assertOneLineError(run(concat(new String[] {"train"}, tiny, new String[] {"--device", "tpu", "--out", gpuRun})), 1, "must be cpu, gpu or gpu:N");

        CliTest.Result t = run(concat(new String[] {"train"}, tiny, new String[] {"--device", "cpu", "--out", r}));
        assertEquals(0, t.code(), t.err());
        String out = dir.resolve("s").toString();
        assertOneLineError(run("sample", "--run", r, "--n", "2", "--device", "gpu:1", "--out", out), 1, "gpu:1: PyTorch sees no CUDA device");
        assertOneLineError(run("eval", "--run", r, "--n", "10", "--device", "gpu"), 1, "PyTorch sees no CUDA device");
        assertOneLineError(run("sample", "--run", r, "--device", "gpu:0,1", "--out", out), 1, "several GPUs are for train");
        assertOneLineError(run("inpaint", "--run", r, "--image", "x.png", "--mask", "m.png", "--device", "gpu", "--out", out), 1, "CUDA");
        assertOneLineError(run("serve", "--runs", dir.toString(), "--port", "0", "--device", "gpu"), 1, "PyTorch sees no CUDA device");
        assertEquals(0, run("sample", "--run", r, "--n", "2", "--steps", "2", "--device", "cpu", "--out", out).code());
    }

    private static String[] concat(String[]... parts) {
        return java.util.Arrays.stream(parts).flatMap(java.util.Arrays::stream).toArray(String[]::new);
    }
}
