import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.ddpm4j.data.Datasets;
import org.ddpm4j.data.ImageSet;
import org.ddpm4j.eval.Evaluator;
import org.ddpm4j.eval.Frechet;
import org.ddpm4j.eval.Meter;
import org.ddpm4j.eval.TrainedClassifier;
import org.ddpm4j.util.Rng;

/**
 * Meter 3's domain FID of KEEP images drawn at random from a cache of generated MNIST images (as bench/SelfCheck.java
 * writes them), averaged over DRAWS draws: what dropping images costs FID by their number alone (FID is biased
 * upwards at smaller N), to set beside dropping the ones a rule rejects.
 * Usage: java -cp "target/ddpm4j.jar:target/lib/*" bench/SubsetFid.java IMAGES.bin KEEP DRAWS
 */
public class SubsetFid {
    public static void main(String[] a) throws Exception {
        ImageSet all = Datasets.embeddedMnist();
        int pix = all.imageSize();
        byte[] raw = Files.readAllBytes(Path.of(a[0]));
        float[] imgs = new float[raw.length / 4];
        ByteBuffer.wrap(raw).asFloatBuffer().get(imgs);
        int n = imgs.length / pix;
        int keep = Integer.parseInt(a[1]);
        int draws = Integer.parseInt(a[2]);
        try (TrainedClassifier clf = TrainedClassifier.forData(all, Meter.V3, System.err)) {
            Frechet.Stats real = Evaluator.realStats(clf, all);
            double sum = 0;
            for (int d = 0; d < draws; d++) {
                int[] p = new Rng(100 + d).permutation(n);
                float[] sub = new float[keep * pix];
                for (int i = 0; i < keep; i++) {
                    System.arraycopy(imgs, p[i] * pix, sub, i * pix, pix);
                }
                sum += Evaluator.score(clf, sub, keep, all.channels(), all.height(), real, -1).fid();
            }
            System.out.printf(Locale.ROOT, "{\"images\":\"%s\",\"n\":%d,\"random_subset\":%d,\"draws\":%d,\"mean_fid\":%.3f}%n",
                    a[0], n, keep, draws, sum / draws);
        }
    }
}
