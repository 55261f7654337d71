package org.ddpm4j.image;

import ai.djl.ndarray.NDArray;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Records the reverse process as animation frames: the current x_t beside the predicted x0 at every step
 * (the seed's "sculptor" made visible), then writes them as a looping GIF that rests on the final images.
 */
public final class Trajectory {

    private static final int MAX_FRAMES = 120;

    private final int images;
    private final int channels;
    private final int size;
    private final int totalSteps;
    private final List<BufferedImage> frames = new ArrayList<>();

    /**
     * @param images how many images of the batch to show (at most 16)
     * @param totalSteps the number of steps the trajectory will have
     */
    public Trajectory(int images, int channels, int size, int totalSteps) {
        this.images = Math.min(images, 16);
        this.channels = channels;
        this.size = size;
        this.totalSteps = totalSteps;
    }

    /** Adds the frame of step {@code index} (1-based) if it is one of the frames kept. */
    public void onStep(int index, int t, NDArray xPrev, NDArray predX0) {
        if (keeps(index)) {
            onStep(index, t, xPrev.toFloatArray(), predX0.toFloatArray());
        }
    }

    /** True if step {@code index} (1-based) is one of the frames kept. */
    public boolean keeps(int index) {
        int stride = Math.max(1, (int) Math.ceil(totalSteps / (double) MAX_FRAMES));
        return index % stride == 0 || index == 1 || index == totalSteps;
    }

    /** Adds the frame of step {@code index} from the batch's first images, (n, C, H, W), if it is one of the frames kept. */
    public void onStep(int index, int t, float[] x, float[] x0) {
        if (!keeps(index)) {
            return;
        }
        frames.add(frame(grid(x), grid(x0), String.format(Locale.ROOT, "step %d/%d   t = %d", index, totalSteps, t)));
    }

    private BufferedImage grid(float[] data) {
        List<BufferedImage> pics = new ArrayList<>();
        int per = channels * size * size;
        for (int i = 0; i < images; i++) {
            pics.add(Images.toImage(data, i * per, channels, size, size));
        }
        int cols = (int) Math.ceil(Math.sqrt(images));
        int scale = Math.max(1, 112 / (size * cols) + 1);
        return Images.grid(pics, cols, scale);
    }

    private static BufferedImage frame(BufferedImage left, BufferedImage right, String caption) {
        int pad = 10;
        int top = 44;
        BufferedImage out = new BufferedImage(left.getWidth() + right.getWidth() + 3 * pad,
                Math.max(left.getHeight(), right.getHeight()) + top + pad, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(new Color(250, 250, 250));
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.drawImage(left, pad, top, null);
        g.drawImage(right, 2 * pad + left.getWidth(), top, null);
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
            g.drawString("x_t (what the sampler holds)", pad, top - 8);
            g.drawString("predicted x0 (what it aims for)", 2 * pad + left.getWidth(), top - 8);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            g.drawString(caption, pad, 16);
        } catch (RuntimeException | Error e) {
            // no fonts: frames without captions
        }
        g.dispose();
        return out;
    }

    public int frameCount() {
        return frames.size();
    }

    /** Writes the GIF: 70 ms per step, the final frame held for 2.5 s. */
    public void write(Path file) {
        List<Integer> delays = new ArrayList<>();
        for (int i = 0; i < frames.size(); i++) {
            delays.add(i == frames.size() - 1 ? 2500 : 70);
        }
        GifWriter.write(frames, delays, file);
    }
}
