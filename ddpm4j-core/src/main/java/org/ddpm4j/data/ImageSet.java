package org.ddpm4j.data;

import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.ddpm4j.DdpmException;

/**
 * An in-memory set of images normalised to [-1, 1], stored as one float array in (N, C, H, W) order,
 * with optional integer class labels.
 */
public final class ImageSet {

    private final float[] pixels;
    private final int[] labels;
    private final int count;
    private final int channels;
    private final int height;
    private final int width;
    private final String description;
    private List<String> classNames = List.of();

    public ImageSet(float[] pixels, int[] labels, int count, int channels, int height, int width, String description) {
        if ((long) count * channels * height * width != pixels.length) {
            throw new IllegalArgumentException("pixel array has " + pixels.length + " values, expected "
                    + (long) count * channels * height * width);
        }
        if (labels != null && labels.length != count) {
            throw new IllegalArgumentException(labels.length + " labels for " + count + " images");
        }
        this.pixels = pixels;
        this.labels = labels;
        this.count = count;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.description = description;
    }

    /** Converts unsigned bytes (0..255) to [-1, 1] exactly as the seed does: x/255 * 2 - 1. */
    public static float byteToUnit(int b) {
        return (b / 255f) * 2f - 1f;
    }

    /** Keeps only the images of one class; fails clearly if there are none. */
    public ImageSet filterLabel(int label) {
        if (labels == null) {
            throw new DdpmException("cannot filter by class " + label + ": " + description + " has no labels");
        }
        int n = 0;
        for (int l : labels) {
            if (l == label) {
                n++;
            }
        }
        if (n == 0) {
            throw new DdpmException("no images of class " + label + " in " + description
                    + " (classes present: " + classesPresent() + ")");
        }
        int per = imageSize();
        float[] out = new float[n * per];
        int[] outLabels = new int[n];
        int j = 0;
        for (int i = 0; i < count; i++) {
            if (labels[i] == label) {
                System.arraycopy(pixels, i * per, out, j * per, per);
                outLabels[j++] = label;
            }
        }
        String name = label < classNames.size() ? " '" + classNames.get(label) + "'" : " " + label;
        return new ImageSet(out, outLabels, n, channels, height, width, description + ", class" + name).withClassNames(classNames);
    }

    /** The sorted distinct labels, as text (for messages). */
    public String classesPresent() {
        if (labels == null) {
            return "none";
        }
        TreeSet<Integer> set = new TreeSet<>();
        for (int l : labels) {
            set.add(l);
        }
        return set.toString().replaceAll("[\\[\\]]", "");
    }

    /** Copies image i into {@code dst} at offset {@code off}. */
    public void copyImage(int i, float[] dst, int off) {
        System.arraycopy(pixels, i * imageSize(), dst, off, imageSize());
    }

    /** A copy of image i as (C*H*W) floats in [-1, 1]. */
    public float[] image(int i) {
        return Arrays.copyOfRange(pixels, i * imageSize(), (i + 1) * imageSize());
    }

    public int label(int i) {
        return labels == null ? -1 : labels[i];
    }

    public boolean hasLabels() {
        return labels != null;
    }

    public int size() {
        return count;
    }

    public int channels() {
        return channels;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    public int imageSize() {
        return channels * height * width;
    }

    public String description() {
        return description;
    }

    /** A view of this set whose classes have names (index = label); the pixel and label arrays are shared. */
    public ImageSet withClassNames(List<String> names) {
        ImageSet s = new ImageSet(pixels, labels, count, channels, height, width, description);
        s.classNames = List.copyOf(names);
        return s;
    }

    /** The class names, index = label; empty if the classes are only numbered. */
    public List<String> classNames() {
        return classNames;
    }
}
