import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ddpm4j.data.Datasets;
import org.ddpm4j.data.ImageSet;
import org.ddpm4j.eval.Meter;
import org.ddpm4j.eval.TrainedClassifier;
import org.ddpm4j.image.Images;
import org.ddpm4j.util.Rng;

/**
 * What a meter reads wrongly, as pictures: the real MNIST digits it held out from its training and misreads
 * (captioned "label->read"), and, given a cache of generated images written by bench/SelfCheck.java (1,000 images,
 * 100 of each class in class order), the generated digits it reads as another class ("asked->read").
 * Usage: java -cp "target/ddpm4j.jar:target/lib/*" bench/MeterMisreads.java METER HELD_OUT.png [IMAGES.bin GENERATED.png]
 */
public class MeterMisreads {
    public static void main(String[] a) throws Exception {
        ImageSet all = Datasets.embeddedMnist();
        Meter meter = Meter.of(Integer.parseInt(a[0]));
        int pix = all.imageSize();
        int size = all.height();
        try (TrainedClassifier clf = TrainedClassifier.forData(all, meter, System.err)) {
            int[] held = TrainedClassifier.heldOut(all, 10, new Rng(TrainedClassifier.SEED), meter);
            int hold = held.length;
            float[] x = new float[hold * pix];
            int[] labels = new int[hold];
            for (int i = 0; i < hold; i++) {
                all.copyImage(held[i], x, i * pix);
                labels[i] = all.label(held[i]);
            }
            int[] read = clf.predict(x, hold, all.channels(), size);
            System.out.println("held-out real digits: " + write(x, labels, read, all.channels(), size, Path.of(a[1])));
            if (a.length > 3) {
                byte[] raw = Files.readAllBytes(Path.of(a[2]));
                float[] imgs = new float[raw.length / 4];
                ByteBuffer.wrap(raw).asFloatBuffer().get(imgs);
                int n = imgs.length / pix;
                int[] asked = new int[n];
                for (int i = 0; i < n; i++) {
                    asked[i] = i / (n / 10);
                }
                System.out.println("generated digits: " + write(imgs, asked, clf.predict(imgs, n, all.channels(), size), all.channels(), size, Path.of(a[3])));
            }
        }
    }

    /** Writes the misread images with "expected->read" captions; returns a one-line summary. */
    private static String write(float[] imgs, int[] expected, int[] read, int channels, int size, Path out) {
        List<BufferedImage> pics = new ArrayList<>();
        List<String> caps = new ArrayList<>();
        int per = channels * size * size;
        for (int i = 0; i < expected.length; i++) {
            if (read[i] != expected[i]) {
                pics.add(Images.toImage(imgs, i * per, channels, size, size));
                caps.add(expected[i] + "->" + read[i]);
            }
        }
        Images.writePng(Images.captioned(pics, caps, 3), out);
        return (expected.length - pics.size()) + " of " + expected.length + " read as expected; misread " + caps + " -> " + out;
    }
}
