package org.ddpm4j.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of picture ddpm4j writes (samples, grids, captioned panels, studio PNGs, GIF frames) reads back
 * through ddpm4j's own reader as the values that were put in, gray and RGB.
 */
class PictureRoundTripTest {

    @TempDir
    Path dir;

    /** Images whose values cover 0..255, including the ones a gray-to-sRGB conversion moves most. */
    private static float[] batch(int n, int channels, int size) {
        float[] f = new float[n * channels * size * size];
        for (int i = 0; i < f.length; i++) {
            int v = (i * 37 + 11) % 256;
            f[i] = v / 255f * 2f - 1f;
        }
        return f;
    }

    private static Pixels readBack(Path file) {
        return Pixels.of(Images.read(file));
    }

    /** The value of channel c at (x, y) of image i of the batch, as {@link Images#toByte} writes it. */
    private static int expected(float[] f, int i, int channels, int size, int c, int x, int y) {
        return Images.toByte(f[i * channels * size * size + c * size * size + y * size + x]);
    }

    private static void assertBlock(Pixels p, int x0, int y0, int scale, float[] f, int i, int channels, int size, String what) {
        for (int y = 0; y < size * scale; y++) {
            for (int x = 0; x < size * scale; x++) {
                for (int c = 0; c < 3; c++) {
                    int want = expected(f, i, channels, size, channels == 1 ? 0 : c, x / scale, y / scale);
                    int got = p.channels() == 1 ? p.get(x0 + x, y0 + y, 0) : p.get(x0 + x, y0 + y, c);
                    assertEquals(want, got, what + ": image " + i + " pixel " + x + "," + y + " channel " + c);
                }
            }
        }
    }

    @Test
    void samplesGridsAndPanelsReadBackExactly() {
        for (int channels : new int[] {1, 3}) {
            int size = 6;
            int n = 5;
            float[] f = batch(n, channels, size);
            List<BufferedImage> pics = Images.toImages(f, n, channels, size);
            // a sample file (000000.png, inpainting candidates)
            Path one = dir.resolve("sample" + channels + ".png");
            Images.writePng(pics.get(0), one);
            Pixels s = readBack(one);
            assertEquals(channels, s.channels(), "a gray sample is a gray PNG");
            assertBlock(s, 0, 0, 1, f, 0, channels, size, "sample");
            // a grid (grid.png, training previews, studio results): 2-pixel gaps, scale 3, 3 columns
            Path grid = dir.resolve("grid" + channels + ".png");
            Images.writePng(Images.grid(pics, 3, 3), grid);
            Pixels g = readBack(grid);
            for (int i = 0; i < n; i++) {
                assertBlock(g, 2 + (i % 3) * (size * 3 + 2), 2 + (i / 3) * (size * 3 + 2), 3, f, i, channels, size, "grid");
            }
            // the studio's PNG bytes of a grid
            Pixels studio = Pixels.of(Images.read(Images.pngBytes(Images.grid(pics, 5, 2)), "studio", 1L << 20));
            for (int i = 0; i < n; i++) {
                assertBlock(studio, 2 + i * (size * 2 + 2), 2, 2, f, i, channels, size, "studio grid");
            }
            // a captioned panel (panel.png of inpaint, demo.png): 12-pixel padding, 28-pixel caption band
            Path panel = dir.resolve("panel" + channels + ".png");
            Images.writePng(Images.captioned(pics.subList(0, 2), List.of("a", "b"), 4), panel);
            Pixels pp = readBack(panel);
            for (int i = 0; i < 2; i++) {
                assertBlock(pp, 12 + i * (size * 4 + 12), 28, 4, f, i, channels, size, "panel");
            }
            // a mask drawn by ddpm4j reads back as the same mask
            float[] mask = new float[size * size];
            for (int i = 0; i < mask.length; i++) {
                mask[i] = i % 3 == 0 ? 1f : 0f;
            }
            Path m = dir.resolve("mask.png");
            Images.writePng(Images.maskImage(mask, size), m);
            org.junit.jupiter.api.Assertions.assertArrayEquals(mask, Images.toMask(Images.read(m), size), 0f);
            // and a sample read as a tensor gives back the bytes it was written from
            float[] t = Images.toTensor(Images.read(one), channels, size, "sample");
            for (int i = 0; i < t.length; i++) {
                assertEquals(Images.toByte(f[i]), Images.toByte(t[i]), "tensor value " + i);
            }
        }
    }

    @Test
    void grayGifFramesReadBackExactly() throws Exception {
        int size = 6;
        float[] f = batch(4, 1, size);
        List<BufferedImage> frames = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            frames.add(Images.grid(Images.toImages(f, 4, 1, size).subList(0, k + 1), 4, 2));
        }
        Path gif = dir.resolve("t.gif");
        GifWriter.write(frames, List.of(70, 70, 2500), gif);
        try (ImageInputStream in = ImageIO.createImageInputStream(Files.newInputStream(gif))) {
            ImageReader reader = ImageIO.getImageReadersByFormatName("gif").next();
            reader.setInput(in);
            assertEquals(3, reader.getNumImages(true));
            for (int k = 0; k < 3; k++) {
                Pixels p = Pixels.of(reader.read(k));
                for (int i = 0; i <= k; i++) {
                    assertBlock(p, 2 + i * (size * 2 + 2), 2, 2, f, i, 1, size, "gif frame " + k);
                }
            }
            reader.dispose();
        }
    }
}
