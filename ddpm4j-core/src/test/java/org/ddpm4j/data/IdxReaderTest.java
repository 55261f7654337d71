package org.ddpm4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.ddpm4j.DdpmException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {

    @TempDir
    Path dir;

    static byte[] imageFile(int count, int rows, int cols, byte[] pixels) {
        ByteBuffer b = ByteBuffer.allocate(16 + pixels.length);
        b.putInt(0x00000803).putInt(count).putInt(rows).putInt(cols).put(pixels);
        return b.array();
    }

    static byte[] labelFile(byte[] labels) {
        ByteBuffer b = ByteBuffer.allocate(8 + labels.length);
        b.putInt(0x00000801).putInt(labels.length).put(labels);
        return b.array();
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(data);
        }
        return bos.toByteArray();
    }

    private final byte[] pixels = {0, (byte) 255, 10, 20, 30, 40, 50, 60, (byte) 128, 1, 2, 3};

    @Test
    void readsAGoodFilePlainAndGzipped() throws IOException {
        Path plain = Files.write(dir.resolve("a-images-idx3-ubyte"), imageFile(3, 2, 2, pixels));
        Path gz = Files.write(dir.resolve("b-images-idx3-ubyte.gz"), gzip(imageFile(3, 2, 2, pixels)));
        for (Path p : new Path[] {plain, gz}) {
            IdxReader.Images img = IdxReader.readImages(p);
            assertEquals(3, img.count());
            assertEquals(2, img.rows());
            assertEquals(2, img.cols());
            assertArrayEquals(pixels, img.pixels());
        }
        Path labels = Files.write(dir.resolve("l"), gzip(labelFile(new byte[] {7, 1, 9})));
        assertArrayEquals(new int[] {7, 1, 9}, IdxReader.readLabels(labels));
    }

    @Test
    void truncatedFileFailsWithOneLine() throws IOException {
        byte[] good = imageFile(3, 2, 2, pixels);
        Path p = Files.write(dir.resolve("t"), Arrays.copyOf(good, good.length - 5));
        DdpmException e = assertThrows(DdpmException.class, () -> IdxReader.readImages(p));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        Path h = Files.write(dir.resolve("h"), Arrays.copyOf(good, 10));
        e = assertThrows(DdpmException.class, () -> IdxReader.readImages(h));
        assertTrue(e.getMessage().contains("truncated IDX header"), e.getMessage());
        byte[] gz = gzip(good);
        Path g = Files.write(dir.resolve("g.gz"), Arrays.copyOf(gz, gz.length / 2));
        e = assertThrows(DdpmException.class, () -> IdxReader.readImages(g));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
    }

    @Test
    void wrongMagicFails() throws IOException {
        Path p = Files.write(dir.resolve("m"), labelFile(new byte[] {1, 2, 3}));
        DdpmException e = assertThrows(DdpmException.class, () -> IdxReader.readImages(p));
        assertTrue(e.getMessage().contains("not an IDX image file"), e.getMessage());
        Path png = Files.write(dir.resolve("x.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 0, 0, 0, 0, 0});
        e = assertThrows(DdpmException.class, () -> IdxReader.readLabels(png));
        assertTrue(e.getMessage().contains("not an IDX label file"), e.getMessage());
    }

    @Test
    void headerClaimingMoreImagesThanTheFileHoldsFailsWithoutAllocatingIt() throws IOException {
        Path p = Files.write(dir.resolve("lie"), imageFile(2_000_000_000, 28, 28, pixels));
        DdpmException e = assertThrows(DdpmException.class, () -> IdxReader.readImages(p));
        assertTrue(e.getMessage().contains("claims 2000000000 images"), e.getMessage());
        Path big = Files.write(dir.resolve("big"), imageFile(1, 100_000, 100_000, pixels));
        e = assertThrows(DdpmException.class, () -> IdxReader.readImages(big));
        assertTrue(e.getMessage().contains("implausible image size"), e.getMessage());
        Path labels = Files.write(dir.resolve("lab"), ByteBuffer.allocate(10).putInt(0x801).putInt(Integer.MAX_VALUE).array());
        e = assertThrows(DdpmException.class, () -> IdxReader.readLabels(labels));
        assertTrue(e.getMessage().contains("claims 2147483647 labels"), e.getMessage());
    }

    @Test
    void directoryLoaderFindsTrainFilesAndChecksLabels() throws IOException {
        Files.write(dir.resolve("train-images-idx3-ubyte.gz"), gzip(imageFile(3, 2, 2, pixels)));
        Files.write(dir.resolve("train-labels-idx1-ubyte.gz"), gzip(labelFile(new byte[] {4, 5, 4})));
        Files.write(dir.resolve("t10k-images-idx3-ubyte"), imageFile(1, 2, 2, new byte[4]));
        ImageSet set = Datasets.load("idx:" + dir);
        assertEquals(3, set.size());
        assertEquals(2, set.filterLabel(4).size());
        assertEquals(1f, set.image(0)[1], 0f);
        assertEquals(-1f, set.image(0)[0], 0f);
        DdpmException e = assertThrows(DdpmException.class, () -> set.filterLabel(7));
        assertTrue(e.getMessage().contains("no images of class 7") && e.getMessage().contains("4, 5"), e.getMessage());

        Files.write(dir.resolve("train-labels-idx1-ubyte.gz"), gzip(labelFile(new byte[] {4, 5})));
        e = assertThrows(DdpmException.class, () -> Datasets.load("idx:" + dir));
        assertTrue(e.getMessage().contains("2 labels for 3 images"), e.getMessage());
        e = assertThrows(DdpmException.class, () -> Datasets.load("idx:" + dir.resolve("nope")));
        assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
        e = assertThrows(DdpmException.class, () -> Datasets.load("cifar"));
        assertTrue(e.getMessage().contains("unknown data"), e.getMessage());
        assertTrue(e.flagMessage().contains("unknown --data"), e.flagMessage());
    }

    @Test
    void embeddedMnistHoldsTheExpectedDigits() {
        ImageSet mnist = Datasets.embeddedMnist();
        assertEquals(10_000, mnist.size());
        assertEquals(28, mnist.height());
        int[] expected = {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978};
        for (int d = 0; d < 10; d++) {
            assertEquals(expected[d], mnist.filterLabel(d).size(), "digit " + d);
        }
        float min = 1;
        float max = -1;
        float[] img = mnist.image(1500);
        for (float v : img) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertEquals(-1f, min, 0f);
        assertEquals(1f, max, 0f);
    }

    @Test
    void aGzipBombIsRefusedAfterItsDeclaredSizeWithBoundedMemory() throws IOException {
        // the header declares one 28x28 image (800 bytes in all); the gzip expands to 256 MiB of zeros
        Path f = dir.resolve("bomb-images-idx3-ubyte.gz");
        try (GZIPOutputStream gz = new GZIPOutputStream(Files.newOutputStream(f), 1 << 16)) {
            gz.write(ByteBuffer.allocate(16).putInt(0x803).putInt(1).putInt(28).putInt(28).array());
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 256; i++) {
                gz.write(zeros);
            }
        }
        assertTrue(Files.size(f) < 2 << 20, "a small file: " + Files.size(f));
        com.sun.management.ThreadMXBean t = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = t.getCurrentThreadAllocatedBytes();
        DdpmException e = assertThrows(DdpmException.class, () -> IdxReader.readImages(f));
        long allocated = t.getCurrentThreadAllocatedBytes() - before;
        assertTrue(e.getMessage().contains("more data than its IDX header declares (800 bytes)"), e.getMessage());
        assertTrue(allocated < 8L << 20, "allocated " + (allocated >> 10) + " KiB");
        // a header that declares far more than the gzip holds: the data it has is read, and the lie named
        Path big = dir.resolve("big-images-idx3-ubyte.gz");
        try (GZIPOutputStream gz = new GZIPOutputStream(Files.newOutputStream(big))) {
            gz.write(ByteBuffer.allocate(16).putInt(0x803).putInt(2_000_000).putInt(1000).putInt(1000).array());
        }
        assertTrue(assertThrows(DdpmException.class, () -> IdxReader.readImages(big)).getMessage().contains("claims 2000000 images"));
    }
}
