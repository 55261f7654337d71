package org.ddpm4j.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * A picture's pixel values as stored in its file: 8-bit samples, row-major, channels interleaved, 1 channel
 * (gray) or 3 (RGB). This is how ddpm4j reads every picture, never through {@link BufferedImage#getRGB} or
 * {@code Graphics2D}, which convert a linear-gray image to sRGB and so brighten an ordinary 8-bit grayscale PNG
 * (56 becomes 129).
 *
 * <ul>
 *   <li>Gray images (1, 2, 4, 8 or 16 bits) give their samples; colour images (RGB, in whatever colour space
 *       their file declares) give their R, G and B samples, unconverted.</li>
 *   <li>Palette images give their palette entries; a palette of gray entries only gives a gray picture.</li>
 *   <li>Samples wider than 8 bits are scaled exactly: {@code round(255 * v / vmax)}, so 16-bit {@code v}
 *       becomes {@code round(v / 257)}.</li>
 *   <li>Alpha (an alpha channel, a palette's transparent entries, or a PNG transparent colour) is composited
 *       over black: {@code round(255 * v/vmax * a/amax)}. Fully transparent pixels read as 0, the
 *       background of MNIST-like pictures.</li>
 *   <li>Any other colour space (CMYK, for example) is converted to sRGB once, by Java's colour management.</li>
 * </ul>
 */
public final class Pixels {

    private final int width;
    private final int height;
    private final int channels;
    private final byte[] data;

    /** @param data {@code height * width * channels} samples, row-major, channels interleaved */
    public Pixels(int width, int height, int channels, byte[] data) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        }
        if (width < 1 || height < 1 || data.length != (long) width * height * channels) {
            throw new IllegalArgumentException("need " + width + "x" + height + "x" + channels + " samples, got " + data.length);
        }
        this.width = width;
        this.height = height;
        this.channels = channels;
        this.data = data;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** 1 (gray) or 3 (RGB). */
    public int channels() {
        return channels;
    }

    /** The samples, row-major with channels interleaved (not copied). */
    public byte[] data() {
        return data;
    }

    /** Sample {@code c} of pixel (x, y), 0..255. */
    public int get(int x, int y, int c) {
        return data[(y * width + x) * channels + c] & 0xFF;
    }

    /** True if this is an RGB picture with at least one pixel whose channels differ. */
    public boolean hasColour() {
        if (channels == 1) {
            return false;
        }
        for (int i = 0; i < data.length; i += 3) {
            if (data[i] != data[i + 1] || data[i + 1] != data[i + 2]) {
                return true;
            }
        }
        return false;
    }

    /**
     * This picture with {@code c} channels: RGB to gray is the ITU-R 601 luma {@code 0.299 R + 0.587 G +
     * 0.114 B}, rounded; gray to RGB repeats the gray value.
     */
    public Pixels withChannels(int c) {
        if (c == channels) {
            return this;
        }
        int n = width * height;
        byte[] out = new byte[n * c];
        if (c == 3) {
            for (int i = 0; i < n; i++) {
                out[3 * i] = data[i];
                out[3 * i + 1] = data[i];
                out[3 * i + 2] = data[i];
            }
        } else {
            for (int i = 0; i < n; i++) {
                out[i] = (byte) luma(data[3 * i] & 0xFF, data[3 * i + 1] & 0xFF, data[3 * i + 2] & 0xFF);
            }
        }
        return new Pixels(width, height, c, out);
    }

    /** The ITU-R 601 luma of an RGB triple, rounded. */
    public static int luma(int r, int g, int b) {
        return (int) Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    }

    /** The (C, H, W) planes of the top-left {@code size x size} pixels, written to {@code out} at {@code off}. */
    public void toPlanes(int size, byte[] out, int off) {
        int plane = size * size;
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int src = (y * width + x) * channels;
                for (int c = 0; c < channels; c++) {
                    out[off + c * plane + y * size + x] = data[src + c];
                }
            }
        }
    }

    /** The pixel values of a decoded picture, as described in the class comment. */
    public static Pixels of(BufferedImage img) {
        ColorModel cm = img.getColorModel();
        Raster r = img.getRaster();
        int w = img.getWidth();
        int h = img.getHeight();
        if (cm instanceof IndexColorModel icm) {
            return palette(icm, r, w, h);
        }
        int space = cm.getColorSpace().getType();
        int colours = cm.getNumColorComponents();
        boolean gray = space == ColorSpace.TYPE_GRAY && colours == 1;
        boolean rgb = space == ColorSpace.TYPE_RGB && colours == 3;
        if ((!gray && !rgb) || r.getNumBands() != cm.getNumComponents()) {
            return converted(img, w, h);
        }
        int c = gray ? 1 : 3;
        boolean alpha = cm.hasAlpha();
        boolean premultiplied = cm.isAlphaPremultiplied();
        double[] max = new double[cm.getNumComponents()];
        for (int b = 0; b < max.length; b++) {
            max[b] = (1L << cm.getComponentSize(b)) - 1;
        }
        byte[] out = new byte[w * h * c];
        int[] px = new int[r.getNumBands()];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                r.getPixel(x, y, px);
                double a = alpha && !premultiplied ? px[c] / max[c] : 1.0;
                for (int b = 0; b < c; b++) {
                    out[(y * w + x) * c + b] = (byte) scale(px[b] / max[b] * a);
                }
            }
        }
        return new Pixels(w, h, c, out);
    }

    private static Pixels palette(IndexColorModel icm, Raster r, int w, int h) {
        int size = icm.getMapSize();
        int[][] entry = new int[size][3];
        boolean allGray = true;
        for (int i = 0; i < size; i++) {
            double a = icm.getAlpha(i) / 255.0;
            entry[i][0] = scale(icm.getRed(i) / 255.0 * a);
            entry[i][1] = scale(icm.getGreen(i) / 255.0 * a);
            entry[i][2] = scale(icm.getBlue(i) / 255.0 * a);
        }
        int[] used = new int[w];
        boolean[] seen = new boolean[size];
        for (int y = 0; y < h; y++) {
            r.getSamples(0, y, w, 1, 0, used);
            for (int x = 0; x < w; x++) {
                int i = Math.min(used[x], size - 1);
                if (!seen[i]) {
                    seen[i] = true;
                    allGray &= entry[i][0] == entry[i][1] && entry[i][1] == entry[i][2];
                }
            }
        }
        int c = allGray ? 1 : 3;
        byte[] out = new byte[w * h * c];
        for (int y = 0; y < h; y++) {
            r.getSamples(0, y, w, 1, 0, used);
            for (int x = 0; x < w; x++) {
                int[] e = entry[Math.min(used[x], size - 1)];
                for (int b = 0; b < c; b++) {
                    out[(y * w + x) * c + b] = (byte) e[b];
                }
            }
        }
        return new Pixels(w, h, c, out);
    }

    /** Colour spaces other than gray and RGB: converted to sRGB once by Java's colour management, alpha over black. */
    private static Pixels converted(BufferedImage img, int w, int h) {
        byte[] out = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int argb = img.getRGB(x, y);
                double a = (argb >>> 24) / 255.0;
                int i = (y * w + x) * 3;
                out[i] = (byte) scale(((argb >> 16) & 0xFF) / 255.0 * a);
                out[i + 1] = (byte) scale(((argb >> 8) & 0xFF) / 255.0 * a);
                out[i + 2] = (byte) scale((argb & 0xFF) / 255.0 * a);
            }
        }
        return new Pixels(w, h, 3, out);
    }

    private static int scale(double unit) {
        return (int) Math.floor(255.0 * unit + 0.5);
    }

    /**
     * As a {@link BufferedImage} that stores these values unchanged: {@code TYPE_BYTE_GRAY} (written by the raster)
     * or {@code TYPE_INT_RGB}.
     */
    public BufferedImage toImage() {
        BufferedImage img = new BufferedImage(width, height, channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        if (channels == 1) {
            img.getRaster().setDataElements(0, 0, width, height, data.clone());
        } else {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    img.setRGB(x, y, (get(x, y, 0) << 16) | (get(x, y, 1) << 8) | get(x, y, 2));
                }
            }
        }
        return img;
    }

    /**
     * Short side to {@code size}, then a centre crop to {@code size x size}, computed on the samples (no colour
     * conversion): while the picture is at least twice the target, 2x2 blocks are averaged; the last step is
     * bilinear with pixel centres aligned. A picture already of the target size is returned unchanged.
     */
    public Pixels resizeAndCrop(int size) {
        double scale = (double) size / Math.min(width, height);
        int tw = Math.max(size, (int) Math.round(width * scale));
        int th = Math.max(size, (int) Math.round(height * scale));
        int w = width;
        int h = height;
        float[] f = null; // floats only once the picture is a quarter of its size: a large file costs no extra memory
        while (w / 2 >= tw && h / 2 >= th) {
            int nw = w / 2;
            int nh = h / 2;
            float[] g = new float[nw * nh * channels];
            for (int y = 0; y < nh; y++) {
                for (int x = 0; x < nw; x++) {
                    for (int c = 0; c < channels; c++) {
                        int a = ((2 * y) * w + 2 * x) * channels + c;
                        int b = ((2 * y + 1) * w + 2 * x) * channels + c;
                        float sum = f == null
                                ? (data[a] & 0xFF) + (data[a + channels] & 0xFF) + (data[b] & 0xFF) + (data[b + channels] & 0xFF)
                                : f[a] + f[a + channels] + f[b] + f[b + channels];
                        g[(y * nw + x) * channels + c] = sum * 0.25f;
                    }
                }
            }
            f = g;
            w = nw;
            h = nh;
        }
        if (f == null) {
            f = new float[data.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = data[i] & 0xFF;
            }
        }
        if (w != tw || h != th) {
            f = bilinear(f, w, h, tw, th, channels);
        }
        int x0 = (tw - size) / 2;
        int y0 = (th - size) / 2;
        byte[] out = new byte[size * size * channels];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                for (int c = 0; c < channels; c++) {
                    float v = f[((y + y0) * tw + x + x0) * channels + c];
                    out[(y * size + x) * channels + c] = (byte) Math.max(0, Math.min(255, Math.round(v)));
                }
            }
        }
        return new Pixels(size, size, channels, out);
    }

    private static float[] bilinear(float[] f, int w, int h, int tw, int th, int channels) {
        float[] out = new float[tw * th * channels];
        for (int y = 0; y < th; y++) {
            double sy = Math.max(0, Math.min(h - 1, (y + 0.5) * h / th - 0.5));
            int y1 = (int) sy;
            int y2 = Math.min(h - 1, y1 + 1);
            double fy = sy - y1;
            for (int x = 0; x < tw; x++) {
                double sx = Math.max(0, Math.min(w - 1, (x + 0.5) * w / tw - 0.5));
                int x1 = (int) sx;
                int x2 = Math.min(w - 1, x1 + 1);
                double fx = sx - x1;
                for (int c = 0; c < channels; c++) {
                    double top = f[(y1 * w + x1) * channels + c] * (1 - fx) + f[(y1 * w + x2) * channels + c] * fx;
                    double bottom = f[(y2 * w + x1) * channels + c] * (1 - fx) + f[(y2 * w + x2) * channels + c] * fx;
                    out[(y * tw + x) * channels + c] = (float) (top * (1 - fy) + bottom * fy);
                }
            }
        }
        return out;
    }
}
