package org.ddpm4j.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.ddpm4j.DdpmException;
import org.ddpm4j.util.AtomicFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointFileTest {

    @TempDir
    Path dir;

    private CheckpointFile sample() {
        JsonObject meta = new JsonObject();
        meta.addProperty("hello", "world");
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("model/w", new Tensor(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, Float.NaN}));
        t.put("model/b", new Tensor(new long[] {1}, new float[] {-0.5f}));
        return new CheckpointFile(meta, t);
    }

    @Test
    void roundTrips() {
        Path f = dir.resolve("c.ddpm");
        sample().write(f);
        CheckpointFile c = CheckpointFile.read(f);
        assertEquals("world", c.meta().get("hello").getAsString());
        assertArrayEquals(new long[] {2, 3}, c.tensors().get("model/w").shape());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, Float.NaN}, c.tensors().get("model/w").data(), 0f);
        assertArrayEquals(new float[] {-0.5f}, c.tensors().get("model/b").data(), 0f);
    }

    @Test
    void everyTruncationAndEveryBitFlipIsAOneLineError() throws IOException {
        byte[] good = CheckpointFile.toBytes(sample());
        for (int len = 0; len < good.length; len++) {
            byte[] cut = Arrays.copyOf(good, len);
            DdpmException e = assertThrows(DdpmException.class, () -> CheckpointFile.parse(cut, "c"), "length " + len);
            assertTrue(!e.getMessage().contains("\n"));
        }
        for (int i = 0; i < good.length; i++) {
            for (int bit = 0; bit < 8; bit += 3) {
                byte[] bad = good.clone();
                bad[i] ^= (byte) (1 << bit);
                assertThrows(DdpmException.class, () -> CheckpointFile.parse(bad, "c"), "flip at " + i);
            }
        }
    }

    @Test
    void otherFilesAreNamedAsSuch() throws IOException {
        // a PyTorch state dict is a zip file: "PK\3\4..."
        Path pth = Files.write(dir.resolve("simple_denoise_net_mnist_six.pth"), new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0});
        DdpmException e = assertThrows(DdpmException.class, () -> CheckpointFile.read(pth));
        assertTrue(e.getMessage().contains("not a ddpm4j checkpoint"), e.getMessage());
        e = assertThrows(DdpmException.class, () -> CheckpointFile.read(dir.resolve("missing.ddpm")));
        assertTrue(e.getMessage().contains("no such checkpoint"), e.getMessage());
        byte[] future = CheckpointFile.toBytes(sample());
        future[11] = 9; // format version 9
        e = assertThrows(DdpmException.class, () -> CheckpointFile.parse(future, "f"));
        assertTrue(e.getMessage().contains("format version 9 is not supported"), e.getMessage());
    }

    @Test
    void aFailedWriteLeavesThePreviousFileIntact() throws IOException {
        Path f = dir.resolve("c.ddpm");
        sample().write(f);
        byte[] before = Files.readAllBytes(f);
        assertThrows(DdpmException.class, () -> AtomicFiles.write(f, os -> {
            os.write(new byte[1000]);
            throw new IOException("disk full");
        }));
        assertArrayEquals(before, Files.readAllBytes(f));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file is left behind");
        }
    }
}
