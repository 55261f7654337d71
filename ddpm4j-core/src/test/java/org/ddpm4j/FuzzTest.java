package org.ddpm4j;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonObject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.ddpm4j.checkpoint.CheckpointFile;
import org.ddpm4j.checkpoint.Tensor;
import org.ddpm4j.data.IdxReader;
import org.ddpm4j.image.Images;
import org.ddpm4j.util.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Property-based fuzzing of every reader of user files: the IDX reader (raw and gzipped), the checkpoint
 * loader, and the picture reader behind --image / --mask. Each starts from a valid file and tries seeded
 * random, truncated, bit-flipped, byte-overwritten and lying variants (headers claiming billions of images or
 * huge dimensions; checkpoints re-sealed with a valid checksum so the parser itself is exercised). Every input
 * must either load or fail with a one-line {@link DdpmException}: no other exception, no hang (each case has
 * a time limit), no OutOfMemoryError. The README quotes {@link #CASES} per target.
 */
class FuzzTest {

    static final int CASES = 1500;

    @TempDir
    Path dir;

    /** Runs {@code reader} on {@code CASES} variants of {@code valid}, with {@code lies} mutations that keep the format's framing. */
    private void fuzz(String target, byte[] valid, Consumer<byte[]> reader, java.util.function.UnaryOperator<byte[]> reseal, long seed) {
        Rng rng = new Rng(seed);
        int loaded = 0;
        for (int c = 0; c < CASES; c++) {
            byte[] in = mutate(valid, rng, c);
            if (reseal != null && c % 3 == 0) {
                in = reseal.apply(in);
            }
            final byte[] input = in;
            try {
                assertTimeoutPreemptively(Duration.ofSeconds(10), () -> reader.accept(input), target + " case " + c + " hangs");
                loaded++;
            } catch (DdpmException e) {
                String msg = e.getMessage();
                assertFalse(msg == null || msg.isBlank() || msg.contains("\n"), target + " case " + c + ": not a one-line message: " + msg);
            } catch (OutOfMemoryError e) {
                fail(target + " case " + c + ": OutOfMemoryError (an allocation sized by an unchecked header)");
            } catch (RuntimeException e) {
                fail(target + " case " + c + " (" + input.length + " bytes): " + e.getClass().getName() + ": " + e.getMessage(), e);
            }
        }
        assertFalse(loaded == CASES, target + ": no mutation was rejected; the fuzzer is not mutating");
    }

    /** One of several mutation kinds, chosen by case number so every kind is tried equally often. */
    static byte[] mutate(byte[] valid, Rng rng, int c) {
        byte[] b = valid.clone();
        switch (c % 6) {
            case 0 -> { // truncation
                return Arrays.copyOf(b, rng.nextInt(b.length));
            }
            case 1 -> { // 1 to 8 bit flips, most in the header
                int flips = 1 + rng.nextInt(8);
                for (int i = 0; i < flips; i++) {
                    int pos = rng.nextDouble() < 0.7 ? rng.nextInt(Math.min(b.length, 64)) : rng.nextInt(b.length);
                    b[pos] ^= (byte) (1 << rng.nextInt(8));
                }
                return b;
            }
            case 2 -> { // a 4-byte header field overwritten with a huge or random value ("lying" header)
                int pos = rng.nextInt(Math.min(b.length - 4, 60));
                int v = switch (rng.nextInt(4)) {
                    case 0 -> Integer.MAX_VALUE;
                    case 1 -> 0xFFFFFFFF;
                    case 2 -> 1_000_000_000;
                    default -> (int) rng.nextLong();
                };
                ByteBuffer.wrap(b).putInt(pos, v);
                return b;
            }
            case 3 -> { // random bytes of random length
                byte[] r = new byte[rng.nextInt(2 * b.length + 1)];
                for (int i = 0; i < r.length; i++) {
                    r[i] = (byte) rng.nextInt(256);
                }
                if (r.length >= 4 && rng.nextDouble() < 0.5) {
                    System.arraycopy(b, 0, r, 0, 4); // keep the magic so the parser goes further
                }
                return r;
            }
            case 4 -> { // extra trailing bytes
                byte[] longer = Arrays.copyOf(b, b.length + 1 + rng.nextInt(100));
                return longer;
            }
            default -> { // a run of overwritten bytes anywhere
                int pos = rng.nextInt(b.length);
                int len = 1 + rng.nextInt(Math.min(32, b.length - pos));
                for (int i = 0; i < len; i++) {
                    b[pos + i] = (byte) rng.nextInt(256);
                }
                return b;
            }
        }
    }

    static byte[] idxImages(int count, int side, Rng rng) {
        ByteBuffer b = ByteBuffer.allocate(16 + count * side * side);
        b.putInt(0x803).putInt(count).putInt(side).putInt(side);
        while (b.hasRemaining()) {
            b.put((byte) rng.nextInt(256));
        }
        return b.array();
    }

    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(data);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bos.toByteArray();
    }

    @Test
    void idxImageFilesRawAndGzipped() {
        byte[] valid = idxImages(20, 28, new Rng(1));
        fuzz("idx images", valid, b -> IdxReader.parseImages(b, "images"), null, 11);
        fuzz("idx images (gz)", gzip(valid), b -> IdxReader.parseImages(IdxReader.readAll(new java.io.ByteArrayInputStream(b), "images.gz"), "images.gz"),
                b -> gzip(b), 12);
    }

    @Test
    void idxLabelFiles() {
        ByteBuffer b = ByteBuffer.allocate(8 + 200).putInt(0x801).putInt(200);
        for (int i = 0; i < 200; i++) {
            b.put((byte) (i % 10));
        }
        fuzz("idx labels", b.array(), x -> IdxReader.parseLabels(x, "labels"), null, 13);
    }

    @Test
    void checkpointFiles() throws IOException {
        JsonObject meta = new JsonObject();
        meta.addProperty("kind", "fuzz");
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Rng rng = new Rng(3);
        tensors.put("conv.weight", new Tensor(new long[] {4, 1, 3, 3}, rng.gaussians(36)));
        tensors.put("conv.bias", new Tensor(new long[] {4}, rng.gaussians(4)));
        Path f = dir.resolve("valid.ddpm");
        new CheckpointFile(meta, tensors).write(f);
        byte[] valid = Files.readAllBytes(f);
        Path probe = dir.resolve("probe.ddpm");
        // re-sealing: recompute the CRC of the body and append the end marker, so lies reach the parser
        fuzz("checkpoint", valid, b -> {
            try {
                Files.write(probe, b);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            CheckpointFile.read(probe);
        }, FuzzTest::resealCheckpoint, 14);
    }

    static byte[] resealCheckpoint(byte[] b) {
        int body = Math.max(0, b.length - 8);
        CRC32 crc = new CRC32();
        crc.update(b, 0, body);
        ByteBuffer out = ByteBuffer.allocate(body + 8);
        out.put(b, 0, body).putInt((int) crc.getValue()).put("END!".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return out.array();
    }

    @Test
    void pictureInputs() throws IOException {
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        Rng rng = new Rng(5);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                img.getRaster().setSample(x, y, 0, rng.nextInt(256));
            }
        }
        for (String fmt : new String[] {"png", "bmp", "gif", "jpg"}) {
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            ImageIO.write(img, fmt, bos);
            Path probe = dir.resolve("probe." + fmt);
            fuzz(fmt, bos.toByteArray(), b -> {
                try {
                    Files.write(probe, b);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
                BufferedImage pic = Images.read(probe, 1L << 20);
                Images.toTensor(pic, 1, 28, "the image");
                Images.toMask(pic, 28);
            }, null, 15);
        }
    }

    @Test
    void aPictureWhoseHeaderClaimsBillionsOfPixelsIsRefusedBeforeDecoding() throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_GRAY), "png", bos);
        byte[] png = bos.toByteArray();
        ByteBuffer b = ByteBuffer.wrap(png);
        b.putInt(16, 100_000).putInt(20, 100_000); // IHDR width and height
        CRC32 crc = new CRC32();
        crc.update(png, 12, 17); // chunk type + 13 data bytes
        b.putInt(29, (int) crc.getValue());
        Path f = dir.resolve("huge.png");
        Files.write(f, png);
        DdpmException e = org.junit.jupiter.api.Assertions.assertThrows(DdpmException.class, () -> Images.read(f));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("100000x100000"), e.getMessage());
    }
}
