package org.ddpm4j.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Pictures written by other encoders read back as the values stored in them. The files under
 * {@code src/test/resources/pictures} were written by PIL ({@code make.py} there), each beside the raw bytes a
 * reader must return; the PNG and BMP files below are built byte by byte, so no Java image code wrote them.
 */
class PictureReadingTest {

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = PictureReadingTest.class.getResourceAsStream("/pictures/" + name)) {
            if (in == null) {
                throw new IOException("missing test resource " + name);
            }
            return in.readAllBytes();
        }
    }

    private static Pixels read(byte[] file, String name) {
        return Pixels.of(Images.read(file, name, 1L << 20));
    }

    @Test
    void everyFormatWrittenByPilReadsBackAsItsStoredValues() throws IOException {
        List<String> checked = new ArrayList<>();
        for (String line : new String(resource("expected.tsv"), StandardCharsets.UTF_8).strip().split("\n")) {
            String[] f = line.split("\t");
            Pixels p = read(resource(f[0]), f[0]);
            assertEquals(Integer.parseInt(f[1]), p.width(), f[0]);
            assertEquals(Integer.parseInt(f[2]), p.height(), f[0]);
            assertEquals(Integer.parseInt(f[3]), p.channels(), f[0] + ": gray files read as gray, colour as RGB");
            assertArrayEquals(resource(f[0] + ".raw"), p.data(), f[0]);
            checked.add(f[0]);
        }
        // 8/16-bit gray, gray+alpha, 1-bit, RGB, RGBA, palette (+ transparency), tRNS, JPEG, BMP, GIF
        assertEquals(17, checked.size(), "all golden files checked: " + checked);
    }

    @Test
    void theCommonPitfallValuesStayPut() throws IOException {
        // an ordinary 8-bit gray PNG: getRGB() would give 0, 75, 129, 172, 211, 239, 255
        Pixels p = read(resource("gray8.png"), "gray8.png");
        int[] first = new int[7];
        for (int x = 0; x < 7; x++) {
            first[x] = p.get(x, 0, 0);
        }
        assertArrayEquals(new int[] {0, 18, 56, 105, 166, 220, 255}, first);
    }

    // ---- PNG files built byte by byte ----

    private static byte[] png(int w, int h, int bitDepth, int colourType, byte[] raw, byte[] plte, byte[] trns) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(ihdr);
        d.writeInt(w);
        d.writeInt(h);
        d.write(new byte[] {(byte) bitDepth, (byte) colourType, 0, 0, 0});
        chunk(out, "IHDR", ihdr.toByteArray());
        if (plte != null) {
            chunk(out, "PLTE", plte);
        }
        if (trns != null) {
            chunk(out, "tRNS", trns);
        }
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        try (DeflaterOutputStream def = new DeflaterOutputStream(z)) {
            int stride = raw.length / h;
            for (int y = 0; y < h; y++) {
                def.write(0); // filter: none
                def.write(raw, y * stride, stride);
            }
        }
        chunk(out, "IDAT", z.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        d.writeInt(data.length);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        d.write(t);
        d.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        d.writeInt((int) crc.getValue());
    }

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    @Test
    void handBuiltGrayPngsOfEveryDepth() throws IOException {
        // 8-bit gray, 3x2
        assertArrayEquals(bytes(0, 56, 105, 166, 220, 255), read(png(3, 2, 8, 0, bytes(0, 56, 105, 166, 220, 255), null, null), "g8").data());
        // 16-bit gray: big-endian samples 0, 128, 129, 32896, 65278, 65535 -> round(v / 257) = 0, 0, 1, 128, 254, 255
        byte[] g16 = bytes(0, 0, 0, 128, 0, 129, 0x80, 0x80, 0xFE, 0xFE, 0xFF, 0xFF);
        assertArrayEquals(bytes(0, 0, 1, 128, 254, 255), read(png(3, 2, 16, 0, g16, null, null), "g16").data());
        // 2-bit gray, 4x1 in one byte: 0, 1, 2, 3 -> 0, 85, 170, 255
        assertArrayEquals(bytes(0, 85, 170, 255), read(png(4, 1, 2, 0, bytes(0b00011011), null, null), "g2").data());
        // gray + alpha 8-bit: (200, 255) (200, 128) (200, 0) -> 200, round(200 * 128 / 255) = 100, 0
        assertArrayEquals(bytes(200, 100, 0), read(png(3, 1, 8, 4, bytes(200, 255, 200, 128, 200, 0), null, null), "ga8").data());
        // gray + alpha 16-bit: (65535, 32768) -> round(255 * 32768 / 65535) = 128; (25700, 65535) -> 100
        assertArrayEquals(bytes(128, 100), read(png(2, 1, 16, 4, bytes(0xFF, 0xFF, 0x80, 0x00, 0x64, 0x64, 0xFF, 0xFF), null, null), "ga16").data());
        // a transparent gray value (tRNS): 56 reads as 0 (over black), the rest as stored
        assertArrayEquals(bytes(0, 57, 55), read(png(3, 1, 8, 0, bytes(56, 57, 55), null, bytes(0, 56)), "gtrns").data());
    }

    @Test
    void handBuiltColourPngs() throws IOException {
        // RGB 8-bit, 2x1
        assertArrayEquals(bytes(10, 20, 30, 200, 100, 50), read(png(2, 1, 8, 2, bytes(10, 20, 30, 200, 100, 50), null, null), "rgb8").data());
        // RGB 16-bit: 0x1234 -> round(4660 / 257) = 18; 0xFFFF -> 255; 0x8080 -> 128
        assertArrayEquals(bytes(18, 255, 128), read(png(1, 1, 16, 2, bytes(0x12, 0x34, 0xFF, 0xFF, 0x80, 0x80), null, null), "rgb16").data());
        // RGBA 8-bit: (200, 100, 50, 128) -> (100, 50, 25)
        assertArrayEquals(bytes(100, 50, 25), read(png(1, 1, 8, 6, bytes(200, 100, 50, 128), null, null), "rgba8").data());
        // palette of 3 with the second entry half transparent; pixels 0, 1, 2 (8-bit indices)
        byte[] plte = bytes(255, 0, 0, 0, 200, 0, 0, 0, 255);
        assertArrayEquals(bytes(255, 0, 0, 0, 100, 0, 0, 0, 255), read(png(3, 1, 8, 3, bytes(0, 1, 2), plte, bytes(255, 128)), "pal").data());
        // a palette of gray entries only is a gray picture
        byte[] grays = bytes(0, 0, 0, 56, 56, 56, 220, 220, 220);
        Pixels g = read(png(3, 1, 8, 3, bytes(2, 1, 0), grays, null), "graypal");
        assertEquals(1, g.channels());
        assertArrayEquals(bytes(220, 56, 0), g.data());
    }

    @Test
    void handBuiltBmp() throws IOException {
        // 24-bit BMP, 2x2, bottom-up rows in BGR order padded to 4 bytes
        int w = 2;
        int h = 2;
        int stride = 8;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(54 + stride * h).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'B').put((byte) 'M').putInt(54 + stride * h).putInt(0).putInt(54);
        b.putInt(40).putInt(w).putInt(h).putShort((short) 1).putShort((short) 24).putInt(0).putInt(stride * h)
                .putInt(2835).putInt(2835).putInt(0).putInt(0);
        // bottom row first: (y=1) pixels (1,2,3) (4,5,6); then top row (y=0): (56,105,166) (220,18,0)
        b.put(bytes(3, 2, 1, 6, 5, 4, 0, 0));
        b.put(bytes(166, 105, 56, 0, 18, 220, 0, 0));
        out.write(b.array());
        Pixels p = read(out.toByteArray(), "bmp");
        assertEquals(3, p.channels());
        assertArrayEquals(bytes(56, 105, 166, 220, 18, 0, 1, 2, 3, 4, 5, 6), p.data());
    }
}
