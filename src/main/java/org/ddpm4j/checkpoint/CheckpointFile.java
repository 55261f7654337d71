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
import java.util.Arrays;
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
 * Written atomically; read fully and verified before anything is built from it.
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

    /** Reads and verifies a checkpoint; any defect is a one-line {@link DdpmException}. */
    public static CheckpointFile read(Path file) {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE) {
                throw new DdpmException(file + ": " + size + " bytes is too large for a ddpm4j checkpoint");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new DdpmException(file + ": no such checkpoint");
        } catch (IOException e) {
            throw new DdpmException(file + ": cannot read checkpoint (" + AtomicFiles.describe(e) + ")");
        }
        return parse(bytes, file.toString());
    }

    static CheckpointFile parse(byte[] bytes, String name) {
        if (bytes.length < MAGIC.length || !Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) {
            throw new DdpmException(name + ": not a ddpm4j checkpoint (wrong magic bytes)");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        b.position(MAGIC.length);
        try {
            int version = b.getInt();
            if (version > FORMAT_VERSION || version < 1) {
                throw new DdpmException(name + ": checkpoint format version " + version
                        + " is not supported (this ddpm4j reads version " + FORMAT_VERSION + ")");
            }
            int tailStart = bytes.length - 8;
            if (tailStart < b.position()
                    || !Arrays.equals(Arrays.copyOfRange(bytes, bytes.length - 4, bytes.length), END)) {
                throw new DdpmException(name + ": truncated checkpoint (end marker missing)");
            }
            CRC32 crc = new CRC32();
            crc.update(bytes, 0, tailStart);
            int stored = ByteBuffer.wrap(bytes, tailStart, 4).getInt();
            if (stored != (int) crc.getValue()) {
                throw new DdpmException(name + ": corrupt checkpoint (checksum mismatch)");
            }
            int jsonLen = b.getInt();
            checkLen(jsonLen, b, tailStart, name);
            String json = new String(bytes, b.position(), jsonLen, StandardCharsets.UTF_8);
            b.position(b.position() + jsonLen);
            JsonObject meta = JsonParser.parseString(json).getAsJsonObject();
            int count = b.getInt();
            if (count < 0 || count > 100_000) {
                throw new DdpmException(name + ": corrupt checkpoint (tensor count " + count + ")");
            }
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                int nameLen = b.getShort() & 0xFFFF;
                checkLen(nameLen, b, tailStart, name);
                String tname = new String(bytes, b.position(), nameLen, StandardCharsets.UTF_8);
                b.position(b.position() + nameLen);
                int ndim = b.get() & 0xFF;
                if (ndim > 8) {
                    throw new DdpmException(name + ": corrupt checkpoint (tensor " + tname + " has " + ndim + " dimensions)");
                }
                long[] shape = new long[ndim];
                long n = 1;
                for (int d = 0; d < ndim; d++) {
                    shape[d] = b.getLong();
                    if (shape[d] < 0 || shape[d] > Integer.MAX_VALUE) {
                        throw new DdpmException(name + ": corrupt checkpoint (tensor " + tname + " dimension " + shape[d] + ")");
                    }
                    n *= shape[d];
                    if (n > (tailStart - b.position()) / 4 + 1) {
                        throw new DdpmException(name + ": corrupt checkpoint (tensor " + tname + " larger than the file)");
                    }
                }
                long byteLen = n * 4;
                checkLen(byteLen, b, tailStart, name);
                float[] data = new float[(int) n];
                b.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
                b.position(b.position() + (int) byteLen);
                tensors.put(tname, new Tensor(shape, data));
            }
            if (b.position() != tailStart) {
                throw new DdpmException(name + ": corrupt checkpoint (" + (tailStart - b.position()) + " stray bytes)");
            }
            return new CheckpointFile(meta, tensors);
        } catch (java.nio.BufferUnderflowException | IllegalStateException | com.google.gson.JsonParseException e) {
            throw new DdpmException(name + ": corrupt checkpoint (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static void checkLen(long len, ByteBuffer b, int limit, String name) {
        if (len < 0 || b.position() + len > limit) {
            throw new DdpmException(name + ": corrupt checkpoint (a length runs past the end of the file)");
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
