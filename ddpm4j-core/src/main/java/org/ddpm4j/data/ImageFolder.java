package org.ddpm4j.data;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.ddpm4j.DdpmException;
import org.ddpm4j.image.Images;
import org.ddpm4j.image.Pixels;
import org.ddpm4j.util.AtomicFiles;

/**
 * A dataset from a folder of pictures ({@code --data folder:DIR}): every PNG, JPEG, GIF and BMP file under
 * DIR, resized so the short side is {@code size} and centre-cropped to {@code size x size}. Pixel values are
 * read as stored ({@link Pixels#of}: gray stays gray, alpha over black, 16-bit scaled exactly) and resized on
 * the samples, with no colour conversion. Gray or RGB is inferred (RGB if any picture has a pixel whose
 * channels differ) unless forced. If every picture lies in a
 * subfolder of DIR, the subfolder names (sorted) are the class names and labels.
 *
 * <p>Unreadable or corrupt files are skipped, counted and named in one warning line. The decoded set is
 * cached ({@code folder-HASH.bin.gz} in the cache directory), keyed by every file's path, size and modification
 * time and by the size and channel options: a second run reads the cache unless the folder changed.
 */
public final class ImageFolder {

    private static final int CACHE_VERSION = 2; // 2: pixel values read as stored (version 1 brightened gray files)
    private static final int MAX_SIZE = 1024;

    private ImageFolder() {}

    static boolean isPicture(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".gif") || n.endsWith(".bmp");
    }

    /**
     * @param size the side of the square images made
     * @param channels 1 or 3 to force, 0 to infer
     * @param cacheDir where decoded sets are cached (null: no cache)
     * @param warn where the one-line warning about skipped files goes
     */
    public static ImageSet load(Path dir, int size, int channels, Path cacheDir, PrintStream warn) {
        String spec = "folder:" + dir;
        if (!Files.isDirectory(dir)) {
            throw new DdpmException(spec + ": not a directory");
        }
        if (size < 4 || size > MAX_SIZE) {
            throw new org.ddpm4j.SettingException("size", "must be in 4.." + MAX_SIZE + ", got " + size);
        }
        if (channels != 0 && channels != 1 && channels != 3) {
            throw new org.ddpm4j.SettingException("channels", "must be 1 or 3, got " + channels);
        }
        List<Path> files = new ArrayList<>();
        int others = 0;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted()::iterator) {
                if (Files.isRegularFile(p)) {
                    if (isPicture(p)) {
                        files.add(p);
                    } else {
                        others++;
                    }
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new DdpmException(spec + ": cannot list the folder (" + e.getMessage() + ")");
        }
        if (files.isEmpty()) {
            throw new DdpmException(others == 0 ? spec + ": the folder is empty"
                    : spec + ": no PNG, JPEG, GIF or BMP files (" + others + " other files)");
        }
        // classes: the first path component under DIR, if every picture has one
        boolean allInSubfolders = files.stream().allMatch(p -> dir.relativize(p).getNameCount() > 1);
        List<String> classNames = new ArrayList<>();
        if (allInSubfolders) {
            TreeSet<String> names = new TreeSet<>();
            files.forEach(p -> names.add(dir.relativize(p).getName(0).toString()));
            classNames.addAll(names);
        }
        checkFits(spec, files.size(), size, channels);
        String key = key(dir, files, size, channels);
        Path cache = cacheDir == null ? null : cacheDir.resolve("folder-" + key + ".bin.gz");
        if (cache != null && Files.isRegularFile(cache)) {
            try {
                return readCache(cache, spec, classNames);
            } catch (IOException | RuntimeException e) {
                warn.println("warning: ignoring a damaged image cache " + cache + "; decoding the folder again");
            }
        }
        List<Pixels> pics = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (Path p : files) {
            Pixels img;
            try {
                img = Pixels.of(Images.read(p));
            } catch (DdpmException e) {
                skipped.add(dir.relativize(p).toString());
                continue;
            }
            pics.add(img.resizeAndCrop(size));
            labels.add(allInSubfolders ? classNames.indexOf(dir.relativize(p).getName(0).toString()) : -1);
        }
        if (!skipped.isEmpty()) {
            warn.println("warning: skipped " + skipped.size() + " unreadable image file" + (skipped.size() == 1 ? "" : "s") + " in "
                    + spec + ": " + String.join(", ", skipped.subList(0, Math.min(5, skipped.size())))
                    + (skipped.size() > 5 ? " and " + (skipped.size() - 5) + " more" : ""));
        }
        if (pics.isEmpty()) {
            throw new DdpmException(spec + ": none of its " + files.size() + " image files could be read");
        }
        int c = channels != 0 ? channels : pics.stream().anyMatch(Pixels::hasColour) ? 3 : 1;
        int per = c * size * size;
        byte[] px = new byte[Math.toIntExact((long) pics.size() * per)];
        for (int i = 0; i < pics.size(); i++) {
            pics.get(i).withChannels(c).toPlanes(size, px, i * per);
        }
        int[] lab = allInSubfolders ? labels.stream().mapToInt(Integer::intValue).toArray() : null;
        if (cache != null) {
            writeCache(cache, px, lab, pics.size(), c, size);
        }
        return build(px, lab, pics.size(), c, size, spec, classNames);
    }

    /**
     * Refuses, before anything is decoded, a folder whose set would not fit: more than 2^31 values (the largest
     * Java array), or more heap than this JVM has. RGB is assumed until the pictures are decoded; the bytes
     * of the resized pictures, their planes and the float copy the set keeps are counted.
     */
    static void checkFits(String spec, long files, int size, int channels) {
        long per = (channels == 0 ? 3L : channels) * size * size;
        long values = files * per;
        String what = files + " pictures at " + size + "x" + size + (channels == 1 ? " gray" : " RGB");
        if (values > Integer.MAX_VALUE) {
            throw new DdpmException(spec + ": " + what + " would be " + values + " values, more than the 2^31 one set can hold;"
                    + " use fewer pictures or a smaller {size}");
        }
        long need = values * (1 + 1 + 4);
        long max = Runtime.getRuntime().maxMemory();
        if (need > max * 9 / 10) {
            throw new DdpmException(spec + ": " + what + " need about " + (need >> 20) + " MiB of heap, more than the "
                    + (max >> 20) + " MiB this JVM may use; use fewer pictures, a smaller {size}, or more heap (-Xmx)");
        }
    }

    private static ImageSet build(byte[] px, int[] labels, int n, int c, int size, String spec, List<String> classNames) {
        float[] f = new float[px.length];
        for (int i = 0; i < px.length; i++) {
            f[i] = ImageSet.byteToUnit(px[i] & 0xFF);
        }
        ImageSet set = new ImageSet(f, labels, n, c, size, size, spec);
        return labels == null ? set : set.withClassNames(classNames);
    }

    private static String key(Path dir, List<Path> files, int size, int channels) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(("v" + CACHE_VERSION + " " + dir.toAbsolutePath().normalize() + " " + size + " " + channels + "\n").getBytes(StandardCharsets.UTF_8));
            for (Path p : files) {
                md.update((dir.relativize(p) + " " + Files.size(p) + " " + Files.getLastModifiedTime(p).toMillis() + "\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(md.digest(), 0, 12);
        } catch (IOException e) {
            throw new DdpmException("folder:" + dir + ": cannot read file details (" + e.getMessage() + ")");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void writeCache(Path cache, byte[] px, int[] labels, int n, int c, int size) {
        try {
            AtomicFiles.write(cache, os -> {
                GZIPOutputStream gz = new GZIPOutputStream(os, 1 << 16);
                DataOutputStream out = new DataOutputStream(gz);
                out.writeInt(CACHE_VERSION);
                out.writeInt(n);
                out.writeInt(c);
                out.writeInt(size);
                out.writeBoolean(labels != null);
                if (labels != null) {
                    for (int l : labels) {
                        out.writeInt(l);
                    }
                }
                out.write(px);
                out.flush();
                gz.finish(); // not close(): the atomic writer still flushes and fsyncs the file
            });
        } catch (DdpmException e) {
            // a cache that cannot be written only costs the next run the decoding time
        }
    }

    private static ImageSet readCache(Path cache, String spec, List<String> classNames) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(cache), 1 << 16);
                DataInputStream d = new DataInputStream(in)) {
            if (d.readInt() != CACHE_VERSION) {
                throw new IOException("cache version");
            }
            int n = d.readInt();
            int c = d.readInt();
            int size = d.readInt();
            if (n < 1 || (c != 1 && c != 3) || size < 4 || size > MAX_SIZE || (long) n * c * size * size > Integer.MAX_VALUE) {
                throw new IOException("cache header");
            }
            int[] labels = null;
            if (d.readBoolean()) {
                labels = new int[n];
                for (int i = 0; i < n; i++) {
                    labels[i] = d.readInt();
                    if (labels[i] < 0 || labels[i] >= classNames.size()) {
                        throw new IOException("cache label");
                    }
                }
            }
            byte[] px = new byte[n * c * size * size];
            d.readFully(px);
            return build(px, labels, n, c, size, spec, classNames);
        }
    }
}
