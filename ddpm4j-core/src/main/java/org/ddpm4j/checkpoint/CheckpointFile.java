package org.ddpm4j.checkpoint;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import org.ddpm4j.DdpmException;
import org.ddpm4j.util.AtomicFiles;

/**
 * The ddpm4j checkpoint container: a JSON metadata block (configs, step, RNG state) and named float32
 * tensors (weights, EMA weights, optimizer moments), closed by a CRC-32 of everything before it.
 *
 * <pre>
 * "DDPM4JCK" | u32 format version | u32 json length | json (UTF-8)
 * | u32 tensor count | per tensor: u16 name length, name (UTF-8), u8 ndim, i64[ndim] dims, f32[] data (little endian)
 * | u32 CRC-32 of all previous bytes | "END!"
 * </pre>
 *
 * Written atomically; read in one streaming pass (about one copy of the tensors in memory) and verified, CRC
 * included, before anything is built from it.
 */
public final class CheckpointFile {

    /** The current (and newest readable) format version. */
    public static final int FORMAT_VERSION = 1;

    private static final byte[] MAGIC = "DDPM4JCK".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "END!".getBytes(StandardCharsets.US_ASCII);
    private static final long MAX_FILE = 8L << 30;

    private final JsonObject meta;
    private final Map<String, Tensor> tensors;

    public CheckpointFile(JsonObject meta, Map<String, Tensor> tensors) {
        this.meta = meta;
        this.tensors = tensors;
    }

    public JsonObject meta() {
        return meta;
    }

    public Map<String, Tensor> tensors() {
        return tensors;
    }

    /** The tensor of that name, or a one-line error naming the file. */
    public Tensor tensor(String name, Path file) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new DdpmException(file + ": checkpoint has no tensor '" + name + "'");
        }
        return t;
    }

    /** Writes the checkpoint atomically: a crash mid-write leaves any previous file intact. */
    public void write(Path file) {
        AtomicFiles.write(file, os -> {
            CRC32 crc = new CRC32();
            DataOutputStream out = new DataOutputStream(new java.util.zip.CheckedOutputStream(os, crc));
            out.write(MAGIC);
            out.writeInt(FORMAT_VERSION);
            byte[] json = meta.toString().getBytes(StandardCharsets.UTF_8);
            out.writeInt(json.length);
            out.write(json);
            out.writeInt(tensors.size());
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
                out.writeShort(name.length);
                out.write(name);
                long[] shape = e.getValue().shape();
                out.writeByte(shape.length);
                for (long d : shape) {
                    out.writeLong(d);
                }
                float[] data = e.getValue().data();
                ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < data.length; i++) {
                    if (!buf.hasRemaining()) {
                        out.write(buf.array(), 0, buf.position());
                        buf.clear();
                    }
                    buf.putFloat(data[i]);
                }
                out.write(buf.array(), 0, buf.position());
            }
            out.flush();
            DataOutputStream tail = new DataOutputStream(os);
            tail.writeInt((int) crc.getValue());
            tail.write(END);
            tail.flush();
        });
    }

    /**
     * Reads and verifies a checkpoint; any defect is a one-line {@link DdpmException}. The file is streamed
     * through a 1 MiB buffer straight into the tensors' arrays (no whole-file byte array), so a checkpoint of
     * any size up to the 8 GiB limit needs about one copy of its tensors in memory.
     */
    public static CheckpointFile read(Path file) {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > MAX_FILE) {
                throw new DdpmException(file + ": " + size + " bytes is too large for a ddpm4j checkpoint");
            }
            // positional reads: the channel's own position stays at 0 for the streaming pass
            ByteBuffer h = ByteBuffer.allocate((int) Math.min(size, MAGIC.length + 4));
            while (h.hasRemaining() && ch.read(h, h.position()) > 0) {
                // the first bytes: magic and version
            }
            ByteBuffer t = ByteBuffer.allocate(8);
            while (size >= 8 && t.hasRemaining() && ch.read(t, size - 8 + t.position()) > 0) {
                // the last 8 bytes: CRC-32 and end marker
            }
            return parse(ch, size, Arrays.copyOf(h.array(), h.position()), t.array(), file.toString());
        } catch (NoSuchFileException e) {
            throw new DdpmException(file + ": no such checkpoint");
        } catch (IOException e) {
            throw new DdpmException(file + ": cannot read checkpoint (" + AtomicFiles.describe(e) + ")");
        }
    }

    static CheckpointFile parse(byte[] bytes, String name) {
        try {
            byte[] tail = bytes.length >= 8 ? Arrays.copyOfRange(bytes, bytes.length - 8, bytes.length) : new byte[8];
            byte[] head = Arrays.copyOf(bytes, Math.min(bytes.length, MAGIC.length + 4));
            return parse(java.nio.channels.Channels.newChannel(new java.io.ByteArrayInputStream(bytes)), bytes.length, head, tail, name);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Sequential reads of a checkpoint's body, with the CRC-32 of every byte consumed. */
    private static final class In {
        final java.nio.channels.ReadableByteChannel ch;
        final ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.BIG_ENDIAN);
        final CRC32 crc = new CRC32();
        final long body; // bytes before the CRC and end marker
        final String name;
        long pos;

        In(java.nio.channels.ReadableByteChannel ch, long body, String name) {
            this.ch = ch;
            this.body = body;
            this.name = name;
            buf.limit(0);
        }

        long left() {
            return body - pos;
        }

        /** Makes at least {@code n} (at most the buffer's size) bytes available; never reads past the body. */
        void need(int n) throws IOException {
            if (n > left()) {
                throw new DdpmException(name + ": corrupt checkpoint (a length runs past the end of the file)");
            }
            if (buf.remaining() >= n) {
                return;
            }
            long fileRead = pos + buf.remaining();
            buf.compact();
            while (buf.position() < n) {
                int room = (int) Math.min(buf.capacity() - buf.position(), body - fileRead);
                buf.limit(buf.position() + room);
                int r = ch.read(buf);
                if (r < 0) {
                    throw new DdpmException(name + ": truncated checkpoint (end marker missing)");
                }
                fileRead += r;
            }
            buf.flip();
        }

        /** The CRC-32 of the whole body: what was consumed, then everything left up to the tail. */
        int drainedCrc() throws IOException {
            crc.update(buf.array(), buf.position(), buf.remaining());
            long fileRead = pos + buf.remaining();
            ByteBuffer b = ByteBuffer.allocate(1 << 20);
            while (fileRead < body) {
                b.clear();
                b.limit((int) Math.min(b.capacity(), body - fileRead));
                int r = ch.read(b);
                if (r < 0) {
                    break;
                }
                crc.update(b.array(), 0, r);
                fileRead += r;
            }
            return (int) crc.getValue();
        }

        private void consumed(int start, int n) {
            crc.update(buf.array(), start, n);
            pos += n;
        }

        int getInt() throws IOException {
            need(4);
            int start = buf.position();
            int v = buf.getInt();
            consumed(start, 4);
            return v;
        }

        long getLong() throws IOException {
            need(8);
            int start = buf.position();
            long v = buf.getLong();
            consumed(start, 8);
            return v;
        }

        int getUnsignedShort() throws IOException {
            need(2);
            int start = buf.position();
            int v = buf.getShort() & 0xFFFF;
            consumed(start, 2);
            return v;
        }

        int getUnsignedByte() throws IOException {
            need(1);
            int start = buf.position();
            int v = buf.get() & 0xFF;
            consumed(start, 1);
            return v;
        }

        byte[] bytes(long n) throws IOException {
            if (n < 0 || n > left()) {
                throw new DdpmException(name + ": corrupt checkpoint (a length runs past the end of the file)");
            }
            byte[] out = new byte[(int) n];
            int off = 0;
            while (off < out.length) {
                need(Math.min(out.length - off, buf.capacity()));
                int k = Math.min(out.length - off, buf.remaining());
                int start = buf.position();
                buf.get(out, off, k);
                consumed(start, k);
                off += k;
            }
            return out;
        }

        void floats(float[] out) throws IOException {
            int off = 0;
            while (off < out.length) {
                need((int) Math.min(4L * (out.length - off), buf.capacity()));
                int k = Math.min(out.length - off, buf.remaining() / 4);
                int start = buf.position();
                buf.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out, off, k);
                buf.position(start + 4 * k);
                consumed(start, 4 * k);
                off += k;
            }
        }
    }

    /**
     * @param head the file's first (up to) 12 bytes, read ahead: magic and version
     * @param tail the file's last 8 bytes, read ahead: CRC-32 and end marker
     */
    private static CheckpointFile parse(java.nio.channels.ReadableByteChannel ch, long size, byte[] head, byte[] tail, String name)
            throws IOException {
        if (head.length < MAGIC.length || !Arrays.equals(Arrays.copyOf(head, MAGIC.length), MAGIC)) {
            throw new DdpmException(name + ": not a ddpm4j checkpoint (wrong magic bytes)");
        }
        if (head.length < MAGIC.length + 4) {
            throw new DdpmException(name + ": truncated checkpoint (end marker missing)");
        }
        int version = ByteBuffer.wrap(head, MAGIC.length, 4).getInt();
        if (version > FORMAT_VERSION || version < 1) {
            throw new DdpmException(name + ": checkpoint format version " + version
                    + " is not supported (this ddpm4j reads version " + FORMAT_VERSION + ")");
        }
        if (size < MAGIC.length + 4 + 8 || !Arrays.equals(Arrays.copyOfRange(tail, 4, 8), END)) {
            throw new DdpmException(name + ": truncated checkpoint (end marker missing)");
        }
        In in = new In(ch, size - 8, name);
        try {
            return parseBody(in, tail, name);
        } catch (DdpmException e) {
            // a damaged file is best named by its checksum: read the rest and compare before blaming a field
            if (in.drainedCrc() != ByteBuffer.wrap(tail).getInt(0)) {
                throw new DdpmException(name + ": corrupt checkpoint (checksum mismatch)");
            }
            throw e;
        }
    }

    private static CheckpointFile parseBody(In in, byte[] tail, String name) throws IOException {
        try {
            in.bytes(MAGIC.length + 4); // checked above; read again so the CRC covers them
            int jsonLen = in.getInt();
            String json = new String(in.bytes(jsonLen), StandardCharsets.UTF_8);
            int count = in.getInt();
            if (count < 0 || count > 100_000) {
                throw new DdpmException(name + ": corrupt checkpoint (tensor count " + count + ")");
            }
            List<String> names = new ArrayList<>();
            List<long[]> shapes = new ArrayList<>();
            List<float[]> datas = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String tname = new String(in.bytes(in.getUnsignedShort()), StandardCharsets.UTF_8);
                String shown = tname.replaceAll("\\p{Cntrl}", "?");
                shown = shown.length() > 60 ? shown.substring(0, 57) + "..." : shown; // for messages: one short line
                int ndim = in.getUnsignedByte();
                if (ndim > 8) {
                    throw new DdpmException(name + ": corrupt checkpoint (tensor " + shown + " has " + ndim + " dimensions)");
                }
                long[] shape = new long[ndim];
                long n = 1;
                for (int d = 0; d < ndim; d++) {
                    shape[d] = in.getLong();
                    if (shape[d] < 0 || shape[d] > Integer.MAX_VALUE) {
                        throw new DdpmException(name + ": corrupt checkpoint (tensor " + shown + " dimension " + shape[d] + ")");
                    }
                    n *= shape[d];
                    if (n > in.left() / 4 + 1) {
                        throw new DdpmException(name + ": corrupt checkpoint (tensor " + shown + " larger than the file)");
                    }
                }
                if (4 * n > in.left() || n > Integer.MAX_VALUE - 8) {
                    throw new DdpmException(name + ": corrupt checkpoint (a length runs past the end of the file)");
                }
                float[] data = new float[(int) n]; // allocated only once the file is known to hold it
                in.floats(data);
                names.add(tname);
                shapes.add(shape);
                datas.add(data);
            }
            if (in.left() != 0) {
                throw new DdpmException(name + ": corrupt checkpoint (" + in.left() + " stray bytes)");
            }
            // the tail: CRC-32 of everything before it, then the end marker (checked above)
            if (ByteBuffer.wrap(tail).getInt(0) != (int) in.crc.getValue()) {
                throw new DdpmException(name + ": corrupt checkpoint (checksum mismatch)");
            }
            JsonObject meta = JsonParser.parseString(json).getAsJsonObject();
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) {
                tensors.put(names.get(i), new Tensor(shapes.get(i), datas.get(i)));
            }
            return new CheckpointFile(meta, tensors);
        } catch (java.nio.BufferUnderflowException | IllegalStateException | com.google.gson.JsonParseException e) {
            throw new DdpmException(name + ": corrupt checkpoint (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** The bytes {@link #write} produces; used by tests to build damaged files. */
    static byte[] toBytes(CheckpointFile c) throws IOException {
        Path tmp = Files.createTempFile("ckpt", ".ddpm");
        try {
            c.write(tmp);
            return Files.readAllBytes(tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
