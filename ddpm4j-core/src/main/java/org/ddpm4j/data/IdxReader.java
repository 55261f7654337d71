package org.ddpm4j.data;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.ddpm4j.DdpmException;

/**
 * Reads MNIST-format IDX files (http://yann.lecun.com/exdb/mnist/), gzipped or not: unsigned-byte image
 * files (magic 0x00000803: count, rows, columns) and label files (magic 0x00000801: count).
 *
 * <p>Every header is checked before anything is allocated from it, and a file that ends early, has the
 * wrong magic or claims more data than it holds fails with a one-line {@link DdpmException}.
 */
public final class IdxReader {

    /** Largest accepted image side; MNIST is 28. */
    public static final int MAX_SIDE = 4096;
    /** Largest accepted payload, 1 GiB. */
    public static final long MAX_BYTES = 1L << 30;

    private IdxReader() {}

    /** Raw IDX image data: count x rows x cols unsigned bytes. */
    public record Images(int count, int rows, int cols, byte[] pixels) {}

    public static Images readImages(Path file) {
        return parseImages(readAll(file), file.toString());
    }

    public static int[] readLabels(Path file) {
        return parseLabels(readAll(file), file.toString());
    }

    /** Parses an image file's bytes (already un-gzipped). */
    public static Images parseImages(byte[] data, String name) {
        checkMagic(data, name, 0x03, "image");
        long count = u32(data, 4, name);
        long rows = u32(data, 8, name);
        long cols = u32(data, 12, name);
        if (rows < 1 || rows > MAX_SIDE || cols < 1 || cols > MAX_SIDE) {
            throw new DdpmException(name + ": implausible image size " + rows + "x" + cols + " in the IDX header");
        }
        long need = count * rows * cols;
        long have = data.length - 16L;
        if (need > have) {
            throw new DdpmException(name + ": header claims " + count + " images of " + rows + "x" + cols
                    + " but the file holds only " + (have / (rows * cols)) + " (truncated or corrupt)");
        }
        if (need < have) {
            throw new DdpmException(name + ": " + (have - need) + " unexpected bytes after " + count
                    + " images (corrupt file or wrong header)");
        }
        byte[] px = new byte[(int) need];
        System.arraycopy(data, 16, px, 0, px.length);
        return new Images((int) count, (int) rows, (int) cols, px);
    }

    /** Parses a label file's bytes (already un-gzipped). */
    public static int[] parseLabels(byte[] data, String name) {
        checkMagic(data, name, 0x01, "label");
        long count = u32(data, 4, name);
        long have = data.length - 8L;
        if (count > have) {
            throw new DdpmException(name + ": header claims " + count + " labels but the file holds only "
                    + have + " (truncated or corrupt)");
        }
        if (count < have) {
            throw new DdpmException(name + ": " + (have - count) + " unexpected bytes after " + count + " labels");
        }
        int[] labels = new int[(int) count];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = data[8 + i] & 0xFF;
        }
        return labels;
    }

    private static void checkMagic(byte[] data, String name, int dims, String kind) {
        int headerLen = 4 + 4 * dims;
        if (data.length < 4) {
            throw new DdpmException(name + ": file too short to be an IDX " + kind + " file (" + data.length + " bytes)");
        }
        int magic = ((data[0] & 0xFF) << 24) | ((data[1] & 0xFF) << 16) | ((data[2] & 0xFF) << 8) | (data[3] & 0xFF);
        int expected = 0x00000800 | dims;
        if (magic != expected) {
            throw new DdpmException(String.format(
                    "%s: not an IDX %s file (magic 0x%08X, expected 0x%08X)", name, kind, magic, expected));
        }
        if (data.length < headerLen) {
            throw new DdpmException(name + ": truncated IDX header (" + data.length + " of " + headerLen + " bytes)");
        }
    }

    private static long u32(byte[] d, int off, String name) {
        long v = ((long) (d[off] & 0xFF) << 24) | ((d[off + 1] & 0xFF) << 16) | ((d[off + 2] & 0xFF) << 8) | (d[off + 3] & 0xFF);
        if (v > Integer.MAX_VALUE) {
            throw new DdpmException(name + ": IDX header dimension " + v + " is too large");
        }
        return v;
    }

    /** Reads a whole file, un-gzipping it if it starts with the gzip magic; capped at {@link #MAX_BYTES}. */
    public static byte[] readAll(Path file) {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
            return readAll(raw, file.toString());
        } catch (NoSuchFileException e) {
            throw new DdpmException(file + ": no such file");
        } catch (IOException e) {
            throw new DdpmException(file + ": cannot read (" + e.getMessage() + ")");
        }
    }

    /** Bytes past the declared size that are still read, so that a few extra bytes get their precise message. */
    static final int SLACK = 1 << 16;

    /**
     * Reads a whole stream, un-gzipping it if it starts with the gzip magic. The IDX header (its first 16 bytes)
     * is read and checked first; the rest is read only up to the size that header declares (plus
     * {@link #SLACK}), so a gzip bomb or a file with the wrong header costs no more memory than the data it
     * claims, and never more than {@link #MAX_BYTES}.
     */
    public static byte[] readAll(InputStream in, String name) {
        try {
            InputStream s = in.markSupported() ? in : new BufferedInputStream(in);
            s.mark(2);
            int b0 = s.read();
            int b1 = s.read();
            s.reset();
            if (b0 == 0x1f && b1 == 0x8b) {
                s = new GZIPInputStream(s, 1 << 16);
            }
            byte[] head = s.readNBytes(16);
            long declared = declaredSize(head, name);
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(declared, 1 << 20) + 16);
            out.write(head);
            long limit = Math.min(declared + SLACK, MAX_BYTES + 1);
            byte[] buf = new byte[1 << 16];
            long total = head.length;
            int n;
            while (total < limit && (n = s.read(buf, 0, (int) Math.min(buf.length, limit - total))) > 0) {
                total += n;
                out.write(buf, 0, n);
            }
            if (total > MAX_BYTES) {
                throw new DdpmException(name + ": larger than " + (MAX_BYTES >> 20) + " MiB; not a supported IDX file");
            }
            if (total >= limit && s.read() >= 0) {
                throw new DdpmException(name + ": more data than its IDX header declares (" + declared
                        + " bytes); corrupt file or wrong header");
            }
            return out.toByteArray();
        } catch (EOFException e) {
            throw new DdpmException(name + ": gzip stream ends early (truncated file)");
        } catch (ZipException e) {
            throw new DdpmException(name + ": corrupt gzip data (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new DdpmException(name + ": cannot read (" + e.getMessage() + ")");
        }
    }

    /** The file size an IDX header declares (header included); for anything else, the header alone. */
    private static long declaredSize(byte[] head, String name) {
        if (head.length < 8 || head[0] != 0 || head[1] != 0 || head[2] != 0x08) {
            return head.length; // not IDX: the parser names what is wrong from these bytes
        }
        long count = u32(head, 4, name);
        long size;
        if (head[3] == 0x01) {
            size = 8 + count;
        } else if (head[3] == 0x03 && head.length >= 16) {
            long rows = u32(head, 8, name);
            long cols = u32(head, 12, name);
            if (rows < 1 || rows > MAX_SIDE || cols < 1 || cols > MAX_SIDE) {
                throw new DdpmException(name + ": implausible image size " + rows + "x" + cols + " in the IDX header");
            }
            size = 16 + count * rows * cols;
        } else {
            return head.length;
        }
        return size; // a size past MAX_BYTES is named by the parser ("claims N images but holds only M")
    }
}
