package org.ddpm4j.image;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.ddpm4j.DdpmException;
import org.ddpm4j.util.AtomicFiles;

/**
 * Tensor data to pictures: images in [-1, 1] (C, H, W) become 8-bit grayscale or RGB
 * {@link BufferedImage}s, grids and captioned panels, written as PNG.
 */
public final class Images {

    private Images() {}

    /** One (C, H, W) float image in [-1, 1], clamped, to an 8-bit picture (the seed's clamp(-1,1)*0.5+0.5). */
    public static BufferedImage toImage(float[] chw, int offset, int channels, int height, int width) {
        boolean rgb = channels == 3;
        BufferedImage img = new BufferedImage(width, height, rgb ? BufferedImage.TYPE_INT_RGB : BufferedImage.TYPE_BYTE_GRAY);
        int plane = height * width;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = offset + y * width + x;
                if (rgb) {
                    int r = toByte(chw[i]);
                    int g = toByte(chw[i + plane]);
                    int b = toByte(chw[i + 2 * plane]);
                    img.setRGB(x, y, (r << 16) | (g << 8) | b);
                } else {
                    img.getRaster().setSample(x, y, 0, toByte(chw[i]));
                }
            }
        }
        return img;
    }

    /** Maps [-1, 1] to 0..255 with rounding; values outside are clamped. */
    public static int toByte(float v) {
        float c = Math.max(-1f, Math.min(1f, v));
        return Math.round((c * 0.5f + 0.5f) * 255f);
    }

    /** Pictures in a grid of {@code cols} columns with a 2-pixel gap, scaled by {@code scale}. */
    public static BufferedImage grid(List<BufferedImage> images, int cols, int scale) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no images for a grid");
        }
        int w = images.get(0).getWidth() * scale;
        int h = images.get(0).getHeight() * scale;
        int gap = 2;
        int rows = (images.size() + cols - 1) / cols;
        BufferedImage out = new BufferedImage(cols * (w + gap) + gap, rows * (h + gap) + gap, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(new Color(40, 40, 40));
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.dispose();
        for (int i = 0; i < images.size(); i++) {
            int x = gap + (i % cols) * (w + gap);
            int y = gap + (i / cols) * (h + gap);
            paste(out, images.get(i), x, y, scale);
        }
        return out;
    }

    /** Pictures side by side, each scaled by {@code scale}, with a caption above each one. */
    public static BufferedImage captioned(List<BufferedImage> images, List<String> captions, int scale) {
        int w = images.get(0).getWidth() * scale;
        int h = images.get(0).getHeight() * scale;
        int pad = 12;
        int captionH = 28;
        BufferedImage out = new BufferedImage(images.size() * (w + pad) + pad, h + captionH + pad, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        for (int i = 0; i < images.size(); i++) {
            int x = pad + i * (w + pad);
            paste(out, images.get(i), x, captionH, scale);
            drawCaption(g, captions.get(i), x, captionH - 8);
        }
        g.dispose();
        return out;
    }

    /**
     * Copies {@code src}'s pixel values ({@link Pixels#of}) into the RGB picture {@code dst} at (x0, y0), each
     * pixel as a {@code scale x scale} block. Unlike {@code Graphics2D.drawImage}, a gray picture keeps its
     * values (drawImage converts linear gray to sRGB and brightens it).
     */
    public static void paste(BufferedImage dst, BufferedImage src, int x0, int y0, int scale) {
        Pixels p = Pixels.of(src);
        for (int y = 0; y < p.height(); y++) {
            for (int x = 0; x < p.width(); x++) {
                int rgb = p.channels() == 1 ? p.get(x, y, 0) * 0x010101 : (p.get(x, y, 0) << 16) | (p.get(x, y, 1) << 8) | p.get(x, y, 2);
                for (int dy = 0; dy < scale; dy++) {
                    for (int dx = 0; dx < scale; dx++) {
                        dst.setRGB(x0 + x * scale + dx, y0 + y * scale + dy, rgb);
                    }
                }
            }
        }
    }

    private static void drawCaption(Graphics2D g, String text, int x, int y) {
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 15));
            g.drawString(text, x, y);
        } catch (RuntimeException | Error e) {
            // a machine without fonts still gets the pictures, just without captions
        }
    }

    /** The first {@code n} images of a (n, C, H, W) batch of {@code size x size} images as pictures. */
    public static List<BufferedImage> toImages(float[] batch, int n, int channels, int size) {
        int per = channels * size * size;
        List<BufferedImage> pics = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            pics.add(toImage(batch, i * per, channels, size, size));
        }
        return pics;
    }

    /** An inpainting mask (1 = regenerate) as a picture: white where pixels are regenerated, black where kept. */
    public static BufferedImage maskImage(float[] mask, int size) {
        float[] view = new float[size * size];
        for (int i = 0; i < view.length; i++) {
            view[i] = mask[i] * 2 - 1;
        }
        return toImage(view, 0, 1, size, size);
    }

    /** The overview grid shows at most this many images per row and this many rows, however many were made. */
    public static final int GRID_MAX = 20;

    /**
     * The overview grid of a sampling run ({@code grid.png}): a square of the first images (at most 20 x 20),
     * or, for {@code perClass > 0} images of every class in class order, one row per class with its first 20.
     */
    public static BufferedImage overview(List<BufferedImage> pics, int perClass) {
        if (perClass > 0) {
            int cols = Math.min(perClass, GRID_MAX);
            List<BufferedImage> shown = new java.util.ArrayList<>();
            for (int c = 0; c < pics.size() / perClass; c++) {
                shown.addAll(pics.subList(c * perClass, c * perClass + cols));
            }
            return grid(shown, cols, 2);
        }
        List<BufferedImage> shown = pics.subList(0, Math.min(pics.size(), GRID_MAX * GRID_MAX));
        return grid(shown, (int) Math.ceil(Math.sqrt(shown.size())), 2);
    }

    /** Writes a PNG atomically (temporary file, then rename). */
    public static void writePng(BufferedImage image, Path file) {
        AtomicFiles.write(file, (OutputStream os) -> {
            if (!ImageIO.write(image, "png", os)) {
                throw new IOException("no PNG writer");
            }
        });
    }

    /** Largest picture {@link #read(Path)} decodes: 64 megapixels (256 MiB as RGB). */
    public static final long MAX_PIXELS = 1L << 26;

    /** Reads a picture file of at most {@link #MAX_PIXELS} pixels; see {@link #read(Path, long)}. */
    public static BufferedImage read(Path file) {
        return read(file, MAX_PIXELS);
    }

    /**
     * Reads a picture file (PNG, JPEG, GIF or BMP). Take its values with {@link Pixels#of}, not {@code getRGB}
     * (which brightens gray pictures). Its size is read from the header and checked against
     * {@code maxPixels} before any pixel memory is allocated, so a file that claims huge dimensions fails with
     * a one-line message instead of exhausting the heap. Any decoding failure is one {@link DdpmException}.
     */
    public static BufferedImage read(Path file, long maxPixels) {
        if (!Files.isRegularFile(file)) {
            throw new DdpmException(file + ": no such file");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            return decode(in, file.toString(), maxPixels);
        } catch (IOException e) {
            throw new DdpmException(file + ": corrupt image (" + firstLine(e) + ")");
        }
    }

    /** As {@link #read(Path, long)}, for a picture held in memory (an upload); {@code name} names it in errors. */
    public static BufferedImage read(byte[] data, String name, long maxPixels) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new java.io.ByteArrayInputStream(data))) {
            return decode(in, name, maxPixels);
        } catch (IOException e) {
            throw new DdpmException(name + ": corrupt image (" + firstLine(e) + ")");
        }
    }

    private static BufferedImage decode(ImageInputStream in, String name, long maxPixels) {
        try {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new DdpmException(name + ": not a readable image (PNG, JPEG, GIF or BMP)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long w = reader.getWidth(0);
                long h = reader.getHeight(0);
                if (w < 1 || h < 1 || w * h > maxPixels) {
                    throw new DdpmException(name + ": the header claims a " + w + "x" + h + " image (limit " + maxPixels
                            + " pixels); corrupt or far too large");
                }
                BufferedImage img = reader.read(0);
                if (img == null) {
                    throw new DdpmException(name + ": not a readable image (PNG, JPEG, GIF or BMP)");
                }
                return img;
            } finally {
                reader.dispose();
            }
        } catch (DdpmException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new DdpmException(name + ": corrupt image (" + firstLine(e) + ")");
        }
    }

    private static String firstLine(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
    }

    /** A picture as PNG bytes (for the web studio). */
    public static byte[] pngBytes(BufferedImage image) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", bytes)) {
                throw new IllegalStateException("no PNG writer");
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * A picture as (C, H, W) floats in [-1, 1]: gray for C = 1 (luma of colour input), RGB for C = 3 (gray
     * input replicated). The picture must already be {@code size x size}.
     */
    public static float[] toTensor(BufferedImage img, int channels, int size, String what) {
        if (img.getWidth() != size || img.getHeight() != size) {
            throw new DdpmException(what + " is " + img.getWidth() + "x" + img.getHeight() + " but the run makes "
                    + size + "x" + size + " images");
        }
        byte[] bytes = new byte[channels * size * size];
        toChannelBytes(img, channels, size, bytes, 0);
        float[] out = new float[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = (bytes[i] & 0xFF) / 255f * 2f - 1f;
        }
        return out;
    }

    /**
     * The top-left {@code size x size} pixels as (C, H, W) unsigned bytes written at {@code off}, read as stored
     * ({@link Pixels#of}): gray (C = 1) of colour input is the ITU-R 601 luma, rounded; RGB (C = 3) of gray input
     * repeats the gray value.
     */
    public static void toChannelBytes(BufferedImage img, int channels, int size, byte[] out, int off) {
        Pixels.of(img).withChannels(channels).toPlanes(size, out, off);
    }

    /**
     * A mask picture as (H * W) floats: 1 where the pixel is light (value, or luma of colour, at least 128:
     * regenerate), 0 where it is dark (keep). Values are read as stored, see {@link Pixels#of}.
     */
    public static float[] toMask(BufferedImage img, int size) {
        if (img.getWidth() != size || img.getHeight() != size) {
            throw new DdpmException("the mask is " + img.getWidth() + "x" + img.getHeight() + " but the run makes "
                    + size + "x" + size + " images");
        }
        Pixels p = Pixels.of(img).withChannels(1);
        float[] m = new float[size * size];
        for (int i = 0; i < m.length; i++) {
            m[i] = (p.data()[i] & 0xFF) >= 128 ? 1f : 0f;
        }
        return m;
    }
}
