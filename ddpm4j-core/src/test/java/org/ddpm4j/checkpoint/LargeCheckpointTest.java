package org.ddpm4j.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint larger than 2 GiB (a synthetic one, written here by a streaming writer of the documented format)
 * loads in a child JVM whose peak resident memory stays under 1.5 times its tensors.
 */
class LargeCheckpointTest {

    static final int TENSORS = 3;
    static final int FLOATS = 180_000_000; // 3 x 720 MB = 2.16 GB of tensors, past 2^31 bytes

    @TempDir
    Path dir;

    static float value(int tensor, int i) {
        return (i % 1000) * 0.5f + tensor;
    }

    /** Writes the format of {@link CheckpointFile} without holding the tensors in memory. */
    static void writeSynthetic(Path file) throws IOException {
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            CRC32 crc = new CRC32();
            DataOutputStream out = new DataOutputStream(new CheckedOutputStream(os, crc));
            out.write("DDPM4JCK".getBytes(StandardCharsets.US_ASCII));
            out.writeInt(1);
            byte[] json = "{\"synthetic\":true}".getBytes(StandardCharsets.UTF_8);
            out.writeInt(json.length);
            out.write(json);
            out.writeInt(TENSORS);
            ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (int t = 0; t < TENSORS; t++) {
                byte[] name = ("model/t" + t).getBytes(StandardCharsets.UTF_8);
                out.writeShort(name.length);
                out.write(name);
                out.writeByte(2);
                out.writeLong(FLOATS / 1000);
                out.writeLong(1000);
                for (int i = 0; i < FLOATS; i++) {
                    if (!buf.hasRemaining()) {
                        out.write(buf.array(), 0, buf.position());
                        buf.clear();
                    }
                    buf.putFloat(value(t, i));
                }
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            out.flush();
            DataOutputStream tail = new DataOutputStream(os);
            tail.writeInt((int) crc.getValue());
            tail.write("END!".getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** The child: loads the file, checks values, prints "tensor_bytes peak_rss_bytes". */
    public static void main(String[] args) throws IOException {
        CheckpointFile c = CheckpointFile.read(Path.of(args[0]));
        long bytes = 0;
        for (int t = 0; t < TENSORS; t++) {
            float[] d = c.tensors().get("model/t" + t).data();
            for (int i : new int[] {0, 1, 999, 1000, FLOATS - 1}) {
                if (d[i] != value(t, i)) {
                    throw new IllegalStateException("tensor " + t + " value " + i + " is " + d[i]);
                }
            }
            bytes += 4L * d.length;
        }
        long peak = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                peak = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        System.out.println(bytes + " " + peak);
    }

    @Test
    void aCheckpointOver2GiBLoadsWithAboutOneCopyInMemory() throws Exception {
        Path file = dir.resolve("big.ddpm");
        writeSynthetic(file);
        assertTrue(Files.size(file) > (2L << 30), "larger than 2 GiB: " + Files.size(file));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx3g", "-cp", System.getProperty("java.class.path"), LargeCheckpointTest.class.getName(), file.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        String[] f = out.lines().reduce((a, b) -> b).orElse("").split(" ");
        long tensors = Long.parseLong(f[0]);
        long peak = Long.parseLong(f[1]);
        assertEquals(4L * TENSORS * FLOATS, tensors);
        assertTrue(peak < 1.5 * tensors, "peak resident memory " + (peak >> 20) + " MiB for " + (tensors >> 20) + " MiB of tensors");
        Files.delete(file);
    }
}
