package org.ddpm4j.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/** A tiny IDX data set for tests: 12 images of 8x8 with a vertical bar (a "1"), labelled 0 and 1 in turn. */
public final class TinyData {

    private TinyData() {}

    /** Writes {@code train-images-idx3-ubyte} and {@code train-labels-idx1-ubyte} under {@code dir/tiny}. */
    public static Path idx(Path dir) throws IOException {
        Path d = Files.createDirectories(dir.resolve("tiny"));
        int n = 12;
        ByteBuffer img = ByteBuffer.allocate(16 + n * 64).putInt(0x803).putInt(n).putInt(8).putInt(8);
        ByteBuffer lab = ByteBuffer.allocate(8 + n).putInt(0x801).putInt(n);
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < 64; p++) {
                img.put((byte) ((p % 8 == 3 || p % 8 == 4) ? 255 : 0));
            }
            lab.put((byte) (i % 2));
        }
        Files.write(d.resolve("train-images-idx3-ubyte"), img.array());
        Files.write(d.resolve("train-labels-idx1-ubyte"), lab.array());
        return d;
    }
}
