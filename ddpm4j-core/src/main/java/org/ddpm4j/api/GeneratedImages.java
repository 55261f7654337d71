package org.ddpm4j.api;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.ddpm4j.DdpmException;
import org.ddpm4j.image.Images;

/** Images a model made: {@code count} images of {@code channels x size x size} values in [-1, 1]. */
public final class GeneratedImages {

    private final float[] values;
    private final int count;
    private final int channels;
    private final int size;
    private final float[] input; // an inpainting's picture and mask as the model read them; null for a generation
    private final float[] mask;

    GeneratedImages(float[] values, int count, int channels, int size) {
        this(values, count, channels, size, null, null);
    }

    private GeneratedImages(float[] values, int count, int channels, int size, float[] input, float[] mask) {
        this.values = values;
        this.count = count;
        this.channels = channels;
        this.size = size;
        this.input = input;
        this.mask = mask;
    }

    /** The completions of an inpainting of {@code input} under {@code mask} (1 = regenerated), as the model read them. */
    static GeneratedImages inpainted(float[] values, int count, int channels, int size, float[] input, float[] mask) {
        return new GeneratedImages(values, count, channels, size, input, mask);
    }

    /**
     * For an inpainting: the picture as the model read it, the mask as it was read (white = regenerated), then
     * every completion, the row {@code ./ddpm inpaint} and the studio show. For a generation: the images.
     */
    public List<BufferedImage> panel() {
        List<BufferedImage> out = new java.util.ArrayList<>();
        if (input != null) {
            out.add(Images.toImage(input, 0, channels, size, size));
            out.add(Images.maskImage(mask, size));
        }
        out.addAll(images());
        return out;
    }

    public int count() {
        return count;
    }

    /** 1 (gray) or 3 (RGB). */
    public int channels() {
        return channels;
    }

    /** The side of each square image, in pixels. */
    public int size() {
        return size;
    }

    /** All values, (count, C, H, W) in [-1, 1] (a copy). */
    public float[] values() {
        return values.clone();
    }

    /** Image {@code i}'s values, (C, H, W) in [-1, 1] (a copy). */
    public float[] values(int i) {
        int per = channels * size * size;
        float[] out = new float[per];
        System.arraycopy(values, i * per, out, 0, per);
        return out;
    }

    /** Image {@code i} as an 8-bit picture (gray or RGB), clamped and rounded as PNGs are written. */
    public BufferedImage image(int i) {
        return Images.toImage(values, i * channels * size * size, channels, size, size);
    }

    /** Every image as a picture. */
    public List<BufferedImage> images() {
        return Images.toImages(values, count, channels, size);
    }

    /** The overview grid: a square of the first (at most 400) images, each shown twice its size. */
    public BufferedImage grid() {
        return Images.overview(images(), 0);
    }

    /** Writes the overview grid as a PNG, atomically. */
    public void writeGrid(Path file) {
        Images.writePng(grid(), file);
    }

    /** Writes {@code 000000.png ...} and {@code grid.png} into {@code dir} (created if missing), each atomically. */
    public void writePngs(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new DdpmException(dir + ": cannot create the directory (" + e.getMessage() + ")");
        }
        List<BufferedImage> pics = images();
        for (int i = 0; i < pics.size(); i++) {
            Images.writePng(pics.get(i), dir.resolve(String.format(Locale.ROOT, "%06d.png", i)));
        }
        Images.writePng(Images.overview(pics, 0), dir.resolve("grid.png"));
    }
}
