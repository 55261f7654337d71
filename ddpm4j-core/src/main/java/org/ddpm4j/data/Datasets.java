package org.ddpm4j.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ddpm4j.DdpmException;
import org.ddpm4j.util.CacheDir;

/**
 * Opens a dataset from its spec string: {@code mnist} (the embedded 10,000 digits) or {@code idx:DIR}
 * (any MNIST-format IDX files in DIR, gzipped or not).
 */
public final class Datasets {

    private static final String EMBEDDED = "/org/ddpm4j/data/mnist/";
    private static final Pattern IMAGES = Pattern.compile("(.*)images[-.]idx3-ubyte(\\.gz)?");

    private Datasets() {}

    public static ImageSet load(String spec) {
        return load(spec, 0, 0, System.err);
    }

    /** Default side of the images made from a folder when --size is not given. */
    public static final int DEFAULT_FOLDER_SIZE = 32;

    /**
     * @param size side of the square images for {@code folder:} data (0 = {@link #DEFAULT_FOLDER_SIZE}); for
     *     the other sources 0 or their own size
     * @param channels 1 or 3 to force gray or RGB for {@code folder:} data, 0 to infer; for the other sources
     *     0 or their own channel count
     * @param warn where warnings (skipped files) go
     */
    public static ImageSet load(String spec, int size, int channels, PrintStream warn) {
        if (spec == null || spec.isBlank()) {
            throw new org.ddpm4j.SettingException("data", "empty {data} (expected mnist, idx:DIR or folder:DIR)");
        }
        if (spec.startsWith("folder:")) {
            return ImageFolder.load(Paths.get(spec.substring(7)), size == 0 ? DEFAULT_FOLDER_SIZE : size, channels,
                    CacheDir.get(), warn);
        }
        ImageSet set;
        if (spec.equals("mnist")) {
            set = embeddedMnist();
        } else if (spec.startsWith("idx:")) {
            set = idxDirectory(Paths.get(spec.substring(4)));
        } else {
            throw new org.ddpm4j.SettingException("data", "unknown {data} '" + spec + "' (expected mnist, idx:DIR or folder:DIR)");
        }
        if (size != 0 && size != set.height()) {
            throw new org.ddpm4j.SettingException("size", "{size} resizes folder: data only; " + set.description() + " is " + set.height() + "x" + set.width());
        }
        if (channels != 0 && channels != set.channels()) {
            throw new org.ddpm4j.SettingException("channels", "{channels} converts folder: data only; " + set.description() + " has " + set.channels() + " channel(s)");
        }
        return set;
    }

    /** The embedded MNIST subset (see PROVENANCE.md beside the files). */
    public static ImageSet embeddedMnist() {
        byte[] img = resource(EMBEDDED + "images-idx3-ubyte.gz");
        byte[] lab = resource(EMBEDDED + "labels-idx1-ubyte.gz");
        return fromIdx(IdxReader.parseImages(img, "embedded MNIST images"),
                IdxReader.parseLabels(lab, "embedded MNIST labels"), "embedded MNIST");
    }

    private static byte[] resource(String path) {
        try (InputStream in = Datasets.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new DdpmException("embedded data " + path + " is missing from the build");
            }
            return IdxReader.readAll(in, path);
        } catch (IOException e) {
            throw new DdpmException("cannot read embedded data " + path + ": " + e.getMessage());
        }
    }

    /** Finds {@code *images-idx3-ubyte[.gz]} (preferring a {@code train} file) and its labels in DIR. */
    public static ImageSet idxDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new DdpmException("idx:" + dir + ": not a directory");
        }
        List<Path> candidates = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (IMAGES.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p)) {
                    candidates.add(p);
                }
            }
        } catch (IOException e) {
            throw new DdpmException("idx:" + dir + ": cannot list (" + e.getMessage() + ")");
        }
        if (candidates.isEmpty()) {
            throw new DdpmException("idx:" + dir + ": no IDX image file (*images-idx3-ubyte or *images-idx3-ubyte.gz)");
        }
        Path images = candidates.get(0);
        if (candidates.size() > 1) {
            images = candidates.stream()
                    .filter(p -> p.getFileName().toString().startsWith("train"))
                    .findFirst()
                    .orElseThrow(() -> new DdpmException("idx:" + dir + ": several IDX image files and none named train*: "
                            + candidates.stream().map(p -> p.getFileName().toString()).toList()));
        }
        Matcher m = IMAGES.matcher(images.getFileName().toString());
        m.matches();
        String prefix = m.group(1);
        Path labels = null;
        for (String suffix : new String[] {"labels-idx1-ubyte", "labels-idx1-ubyte.gz", "labels.idx1-ubyte", "labels.idx1-ubyte.gz"}) {
            Path p = dir.resolve(prefix + suffix);
            if (Files.isRegularFile(p)) {
                labels = p;
                break;
            }
        }
        IdxReader.Images img = IdxReader.readImages(images);
        int[] lab = labels == null ? null : IdxReader.readLabels(labels);
        if (lab != null && lab.length != img.count()) {
            throw new DdpmException(labels + ": " + lab.length + " labels for " + img.count() + " images in " + images.getFileName());
        }
        return fromIdx(img, lab, "idx:" + dir);
    }

    static ImageSet fromIdx(IdxReader.Images img, int[] labels, String description) {
        byte[] px = img.pixels();
        float[] f = new float[px.length];
        for (int i = 0; i < px.length; i++) {
            f[i] = ImageSet.byteToUnit(px[i] & 0xFF);
        }
        return new ImageSet(f, labels, img.count(), 1, img.rows(), img.cols(), description);
    }
}
