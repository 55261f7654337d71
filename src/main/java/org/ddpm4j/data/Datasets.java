package org.ddpm4j.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ddpm4j.DdpmException;

/**
 * Opens a dataset from its spec string: {@code mnist} (the embedded 10,000 digits) or {@code idx:DIR}
 * (any MNIST-format IDX files in DIR, gzipped or not).
 */
public final class Datasets {

    private static final String EMBEDDED = "/org/ddpm4j/data/mnist/";
    private static final Pattern IMAGES = Pattern.compile("(.*)images[-.]idx3-ubyte(\\.gz)?");

    private Datasets() {}

    public static ImageSet load(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new DdpmException("empty --data (expected mnist or idx:DIR)");
        }
        if (spec.equals("mnist")) {
            return embeddedMnist();
        }
        if (spec.startsWith("idx:")) {
            return idxDirectory(Paths.get(spec.substring(4)));
        }
        throw new DdpmException("unknown --data '" + spec + "' (expected mnist or idx:DIR)");
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
