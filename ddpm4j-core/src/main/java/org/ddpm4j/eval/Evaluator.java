package org.ddpm4j.eval;

import org.ddpm4j.data.ImageSet;

/**
 * The domain scores of ddpm4j's quality meter: the Fréchet distance between classifier features of
 * generated and real images ("domain FID"), and the classifier's accuracy on the generated images.
 */
public final class Evaluator {

    private Evaluator() {}

    /** Scores of one set of images. */
    public record Scores(double fid, double accuracy, int[] predictedCounts) {}

    /**
     * Scores n images (n, C, H, W) in [-1, 1] against the real images.
     *
     * @param targetClass the class the images should show, or -1 when any class is fine (accuracy is NaN)
     */
    public static Scores score(TrainedClassifier c, float[] images, int n, ImageSet real, int targetClass) {
        return score(c, images, n, real.channels(), real.height(), realStats(c, real), targetClass);
    }

    /** As above, against real images' feature statistics computed once ({@link #realStats}) for many scorings. */
    public static Scores score(TrainedClassifier c, float[] images, int n, int channels, int size, Frechet.Stats realStats, int targetClass) {
        TrainedClassifier.Output gen = c.run(images, n, channels, size);
        Frechet.Stats genStats = Frechet.stats(gen.features(), n, Classifier.FEATURES);
        int[] counts = new int[c.classes()];
        int ok = 0;
        for (int p : gen.predictions()) {
            counts[p]++;
            ok += p == targetClass ? 1 : 0;
        }
        double acc = targetClass < 0 ? Double.NaN : (double) ok / n;
        return new Scores(Frechet.distance(genStats, realStats), acc, counts);
    }

    /** Feature statistics of all images of a set. */
    public static Frechet.Stats realStats(TrainedClassifier c, ImageSet real) {
        float[] px = new float[real.size() * real.imageSize()];
        for (int i = 0; i < real.size(); i++) {
            real.copyImage(i, px, i * real.imageSize());
        }
        TrainedClassifier.Output out = c.run(px, real.size(), real.channels(), real.height());
        return Frechet.stats(out.features(), real.size(), Classifier.FEATURES);
    }

    /** {@code n} real images of {@code set} drawn without replacement (with replacement if the set is smaller), by {@code seed}. */
    public static float[] randomReal(ImageSet set, int n, long seed) {
        org.ddpm4j.util.Rng rng = new org.ddpm4j.util.Rng(seed);
        int[] perm = rng.permutation(set.size());
        float[] out = new float[n * set.imageSize()];
        for (int i = 0; i < n; i++) {
            set.copyImage(i < perm.length ? perm[i] : rng.nextInt(set.size()), out, i * set.imageSize());
        }
        return out;
    }

    /** Real images of the given classes (0..k-1), one per entry of {@code classes}: each class's drawn without replacement. */
    public static float[] realOfClasses(ImageSet all, int[] classes, int k, long seed) {
        int per = all.imageSize();
        int[] count = new int[k];
        for (int c : classes) {
            count[c]++;
        }
        float[][] byClass = new float[k][];
        for (int c = 0; c < k; c++) {
            byClass[c] = count[c] == 0 ? null : randomReal(all.filterLabel(c), count[c], seed + c);
        }
        int[] used = new int[k];
        float[] out = new float[classes.length * per];
        for (int i = 0; i < classes.length; i++) {
            System.arraycopy(byClass[classes[i]], used[classes[i]]++ * per, out, i * per, per);
        }
        return out;
    }
}
