package org.ddpm4j.util;

/**
 * The noise of a batch of images drawn from one stream per image: image {@code i} of a request always gets the
 * stream {@link #imageSeed(long, long) imageSeed(base, i)}, so an image depends only on the request's seed, its
 * index and its class, never on the batch size, the number of images or how the work is split.
 *
 * <p>Every draw must cover the whole batch ({@code n} a multiple of the image count): each image's stream then
 * gives its own {@code n / count} values in turn, the same ones whatever batch the image sits in.
 */
public final class PerImageNoise implements Gaussians {

    private final Rng[] streams;

    /**
     * @param base the request's base seed
     * @param first the request index of the batch's first image
     * @param count the images in the batch
     */
    public PerImageNoise(long base, long first, int count) {
        streams = new Rng[count];
        for (int k = 0; k < count; k++) {
            streams[k] = new Rng(imageSeed(base, first + k));
        }
    }

    /** The seed of image {@code i}'s stream: a SplitMix64 hash of the pair, so neighbouring images are unrelated. */
    public static long imageSeed(long base, long i) {
        return Rng.mix(base ^ Rng.mix(i + 0x632BE59BD9B4E019L));
    }

    @Override
    public float[] gaussians(int n) {
        if (n % streams.length != 0) {
            throw new IllegalArgumentException(n + " samples do not split over " + streams.length + " images");
        }
        int per = n / streams.length;
        float[] out = new float[n];
        for (int k = 0; k < streams.length; k++) {
            System.arraycopy(streams[k].gaussians(per), 0, out, k * per, per);
        }
        return out;
    }
}
