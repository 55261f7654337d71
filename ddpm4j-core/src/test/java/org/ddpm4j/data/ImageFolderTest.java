package org.ddpm4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import javax.imageio.ImageIO;
import org.ddpm4j.DdpmException;
import org.ddpm4j.image.Pixels;
import org.ddpm4j.util.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {

    @TempDir
    Path dir;

    static Path shapes(Path root, int perClass, long seed) throws IOException {
        return Shapes.write(root, perClass, 2, seed);
    }

    private static ImageSet load(Path d, int size, int channels, Path cache, ByteArrayOutputStream warn) {
        return ImageFolder.load(d, size, channels, cache, new PrintStream(warn, true, StandardCharsets.UTF_8));
    }

    @Test
    void loadsEveryPictureWithClassesFromSubfoldersSkippingBadFilesInOneWarning() throws IOException {
        Path d = shapes(dir.resolve("shapes"), 6, 1);
        Files.write(d.resolve("circle").resolve("broken.png"), new byte[] {1, 2, 3, 4, 5});
        Files.write(d.resolve("square").resolve("truncated.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF});
        Files.writeString(d.resolve("square").resolve("notes.txt"), "not a picture");
        ByteArrayOutputStream warn = new ByteArrayOutputStream();
        ImageSet set = load(d, 16, 0, null, warn);
        assertEquals(12, set.size());
        assertEquals(3, set.channels(), "coloured pictures make an RGB set");
        assertEquals(16, set.height());
        assertEquals(List.of("circle", "square"), set.classNames());
        assertEquals(6, set.filterLabel(1).size());
        String w = warn.toString(StandardCharsets.UTF_8).strip();
        assertFalse(w.contains("\n"), "one line: " + w);
        assertTrue(w.startsWith("warning: skipped 2 unreadable image files") && w.contains("broken.png") && w.contains("truncated.jpg"), w);
        for (float v : set.image(0)) {
            assertTrue(v >= -1 && v <= 1);
        }
    }

    @Test
    void grayIsInferredAndChannelsCanBeForced() throws IOException {
        Path d = Files.createDirectories(dir.resolve("gray"));
        for (int i = 0; i < 3; i++) {
            BufferedImage img = new BufferedImage(20, 20, BufferedImage.TYPE_BYTE_GRAY);
            img.getRaster().setSample(i, i, 0, 200);
            ImageIO.write(img, "png", d.resolve(i + ".png").toFile());
        }
        ByteArrayOutputStream warn = new ByteArrayOutputStream();
        ImageSet g = load(d, 8, 0, null, warn);
        assertEquals(1, g.channels());
        assertFalse(g.hasLabels(), "pictures directly in the folder have no classes");
        assertEquals(3, load(d, 8, 3, null, warn).channels());
        assertEquals(1, load(shapes(dir.resolve("s"), 2, 2), 8, 1, null, warn).channels());
    }

    @Test
    void shortSideResizeThenCentreCrop() throws IOException {
        // 40x20: red left quarter, green middle half, blue right quarter; at size 10 only the green half remains
        BufferedImage img = new BufferedImage(40, 20, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.RED);
        g.fillRect(0, 0, 10, 20);
        g.setColor(Color.GREEN);
        g.fillRect(10, 0, 20, 20);
        g.setColor(Color.BLUE);
        g.fillRect(30, 0, 10, 20);
        g.dispose();
        Pixels out = Pixels.of(img).resizeAndCrop(10);
        assertEquals(10, out.width());
        assertEquals(10, out.height());
        for (int x = 0; x < 10; x++) {
            for (int y = 0; y < 10; y++) {
                assertEquals(0, out.get(x, y, 0), "red at " + x + "," + y);
                assertEquals(255, out.get(x, y, 1), "green at " + x + "," + y);
                assertEquals(0, out.get(x, y, 2), "blue at " + x + "," + y);
            }
        }
        // a large picture is halved down first: no crash, right size
        assertEquals(32, Pixels.of(new BufferedImage(3000, 2000, BufferedImage.TYPE_INT_RGB)).resizeAndCrop(32).width());
    }

    @Test
    void resizingWorksOnTheStoredValuesWithoutColourConversion() {
        // a gray 8x4 picture: value 56 left half, 200 right half; halved to 4x2 by 2x2 averaging, then cropped to 2x2
        BufferedImage img = new BufferedImage(8, 4, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 8; x++) {
                img.getRaster().setSample(x, y, 0, x < 4 ? 56 : 200);
            }
        }
        Pixels p = Pixels.of(img).resizeAndCrop(2);
        assertEquals(1, p.channels());
        assertArrayEquals(new byte[] {56, (byte) 200, 56, (byte) 200}, p.data(), "56 stays 56 (a colour conversion makes it 129)");
        // upscaling bilinearly, pixel centres aligned: 2x1 [0, 100] to short side 4 is 8x4, then the centre 4x4
        BufferedImage two = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        two.getRaster().setSample(1, 0, 0, 100);
        Pixels up = Pixels.of(two).resizeAndCrop(4);
        // source x of target column x is (x + 0.5) / 4 - 0.5 in 0..1: columns 2..5 of 8 give 12.5, 37.5, 62.5, 87.5
        for (int y = 0; y < 4; y++) {
            assertEquals(13, up.get(0, y, 0));
            assertEquals(38, up.get(1, y, 0));
            assertEquals(63, up.get(2, y, 0));
            assertEquals(88, up.get(3, y, 0));
        }
    }

    @Test
    void theDecodedSetIsCachedUntilTheFolderChanges() throws IOException {
        Path d = shapes(dir.resolve("shapes"), 3, 3);
        Path cache = Files.createDirectories(dir.resolve("cache"));
        ByteArrayOutputStream warn = new ByteArrayOutputStream();
        ImageSet a = load(d, 16, 0, cache, warn);
        List<Path> files;
        try (var s = Files.list(cache)) {
            files = s.toList();
        }
        assertEquals(1, files.size());
        assertTrue(files.get(0).getFileName().toString().startsWith("folder-"));
        ImageSet b = load(d, 16, 0, cache, warn);
        assertArrayEquals(a.image(5), b.image(5), 0f);
        assertEquals(a.classNames(), b.classNames());
        // a changed file means a new key: decoded again, a second cache file
        Path one = d.resolve("circle").resolve("circle-0000.png");
        Files.setLastModifiedTime(one, FileTime.fromMillis(Files.getLastModifiedTime(one).toMillis() + 5000));
        load(d, 16, 0, cache, warn);
        try (var s = Files.list(cache)) {
            assertEquals(2, s.count());
        }
        // a damaged cache is ignored with a warning, not an error
        Files.write(files.get(0), new byte[] {1, 2, 3});
        Files.setLastModifiedTime(one, FileTime.fromMillis(Files.getLastModifiedTime(one).toMillis() - 5000));
        ByteArrayOutputStream w2 = new ByteArrayOutputStream();
        ImageSet c = load(d, 16, 0, cache, w2);
        assertArrayEquals(a.image(5), c.image(5), 0f);
        assertTrue(w2.toString(StandardCharsets.UTF_8).contains("damaged image cache"));
    }

    @Test
    void emptyOrPicturelessFoldersFailWithOneLine() throws IOException {
        ByteArrayOutputStream warn = new ByteArrayOutputStream();
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertTrue(assertThrows(DdpmException.class, () -> load(empty, 16, 0, null, warn)).getMessage().contains("the folder is empty"));
        Path text = Files.createDirectories(dir.resolve("text"));
        Files.writeString(text.resolve("a.txt"), "x");
        assertTrue(assertThrows(DdpmException.class, () -> load(text, 16, 0, null, warn)).getMessage().contains("no PNG, JPEG, GIF or BMP files"));
        Path bad = Files.createDirectories(dir.resolve("bad"));
        Files.write(bad.resolve("x.png"), new byte[] {9, 9});
        assertTrue(assertThrows(DdpmException.class, () -> load(bad, 16, 0, null, warn)).getMessage().contains("none of its 1 image files"));
        assertTrue(assertThrows(DdpmException.class, () -> load(dir.resolve("missing"), 16, 0, null, warn)).getMessage().contains("not a directory"));
    }

    @Test
    void mixedColourModesAndSizesAreConvertedToOneFormat() throws IOException {
        Path d = Files.createDirectories(dir.resolve("mixed"));
        BufferedImage gray = new BufferedImage(30, 50, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSample(15, 25, 0, 255);
        ImageIO.write(gray, "png", d.resolve("gray.png").toFile());
        BufferedImage argb = new BufferedImage(64, 40, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(32, 20, 0xFFFF0000);
        ImageIO.write(argb, "png", d.resolve("argb.png").toFile());
        BufferedImage indexed = new BufferedImage(20, 20, BufferedImage.TYPE_BYTE_INDEXED);
        ImageIO.write(indexed, "gif", d.resolve("indexed.gif").toFile());
        ByteArrayOutputStream warn = new ByteArrayOutputStream();
        ImageSet set = load(d, 16, 0, null, warn);
        assertEquals(3, set.size());
        assertEquals(3, set.channels(), "one coloured picture makes the set RGB; the gray ones are replicated");
        assertEquals(16, set.height());
        assertEquals(16, set.width());
        assertEquals("", warn.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aFolderTooLargeForOneSetIsRefusedBeforeDecoding() throws IOException {
        // 700 one-pixel files at --size 1024 would be 700 x 3 x 1024^2 = 2.2e9 values, past 2^31
        Path d = Files.createDirectories(dir.resolve("many"));
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_GRAY), "png", png);
        for (int i = 0; i < 700; i++) {
            Files.write(d.resolve(i + ".png"), png.toByteArray());
        }
        Files.write(d.resolve("broken.png"), new byte[] {1, 2, 3}); // never decoded: the check comes first
        ByteArrayOutputStream warn = new ByteArrayOutputStream();
        DdpmException e = assertThrows(DdpmException.class, () -> load(d, 1024, 0, null, warn));
        assertTrue(e.getMessage().contains("701 pictures at 1024x1024 RGB would be 2205155328 values, more than the 2^31"), e.getMessage());
        assertEquals("", warn.toString(StandardCharsets.UTF_8), "nothing decoded, so nothing skipped");
        // under the value limit but over this JVM's heap: the same kind of one-line refusal
        long heapMiB = Runtime.getRuntime().maxMemory() >> 20;
        DdpmException h = assertThrows(DdpmException.class, () -> ImageFolder.checkFits("folder:x", heapMiB, 256, 0));
        assertTrue(h.getMessage().contains("MiB of heap, more than the " + heapMiB + " MiB"), h.getMessage());
    }
}
