package org.ddpm4j.data;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.ddpm4j.util.Rng;

/**
 * A synthetic image-folder dataset for tests and the RGB benchmark: a bright shape (circle, square, triangle
 * or cross) of random size, position and colour on a darker random background, one subfolder per shape,
 * pictures of mixed sizes and formats (PNG, JPEG, BMP, GIF). Usage:
 * {@code java -cp target/ddpm4j.jar:target/lib/* org.ddpm4j.data.Shapes OUT_DIR PER_CLASS [CLASSES=4] [SEED=0]}.
 */
public final class Shapes {

    public static final String[] CLASSES = {"circle", "square", "triangle", "cross"};
    private static final String[] FORMATS = {"png", "jpg", "bmp", "gif"};

    private Shapes() {}

    public static void main(String[] args) throws IOException {
        int classes = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        long seed = args.length > 3 ? Long.parseLong(args[3]) : 0;
        write(Path.of(args[0]), Integer.parseInt(args[1]), classes, seed);
        System.out.printf(Locale.ROOT, "wrote %d pictures in %d classes to %s%n", Integer.parseInt(args[1]) * classes, classes, args[0]);
    }

    /** Writes {@code perClass} pictures of each of the first {@code classes} shapes under {@code root}. */
    public static Path write(Path root, int perClass, int classes, long seed) throws IOException {
        Rng rng = new Rng(seed);
        for (int c = 0; c < classes; c++) {
            Path d = Files.createDirectories(root.resolve(CLASSES[c]));
            for (int i = 0; i < perClass; i++) {
                int w = 32 + rng.nextInt(33);
                int h = 32 + rng.nextInt(33);
                BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = img.createGraphics();
                g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
                g.setColor(new Color(rng.nextInt(90), rng.nextInt(90), rng.nextInt(90)));
                g.fillRect(0, 0, w, h);
                float hue = (float) rng.nextDouble();
                g.setColor(Color.getHSBColor(hue, 0.6f + 0.4f * (float) rng.nextDouble(), 0.8f + 0.2f * (float) rng.nextDouble()));
                int m = Math.min(w, h);
                int s = m / 3 + rng.nextInt(m / 4);
                int cx = w / 2 + rng.nextInt(m / 6 + 1) - m / 12;
                int cy = h / 2 + rng.nextInt(m / 6 + 1) - m / 12;
                switch (c) {
                    case 0 -> g.fillOval(cx - s / 2, cy - s / 2, s, s);
                    case 1 -> g.fillRect(cx - s / 2, cy - s / 2, s, s);
                    case 2 -> g.fillPolygon(new int[] {cx - s / 2, cx + s / 2, cx}, new int[] {cy + s / 2, cy + s / 2, cy - s / 2}, 3);
                    default -> {
                        g.fillRect(cx - s / 2, cy - s / 8, s, s / 4);
                        g.fillRect(cx - s / 8, cy - s / 2, s / 4, s);
                    }
                }
                g.dispose();
                String fmt = FORMATS[i % FORMATS.length];
                ImageIO.write(img, fmt, d.resolve(String.format(Locale.ROOT, "%s-%04d.%s", CLASSES[c], i, fmt)).toFile());
            }
        }
        return root;
    }
}
