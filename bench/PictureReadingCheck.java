import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.ddpm4j.data.Shapes;
import org.ddpm4j.image.Images;
import org.ddpm4j.image.Pixels;

/**
 * Compares the two ways pictures used to be read with the stored values: {@code getRGB()} (inpainting and
 * studio inputs, masks) and drawing onto an RGB canvas over white (image folders), on the PIL-made golden
 * files of ddpm4j-core/src/test/resources/pictures and on a folder written by org.ddpm4j.data.Shapes.
 * Usage: PictureReadingCheck [SHAPES_PER_CLASS] (default 500, the folder bench/rgb.sh trains on)
 */
public class PictureReadingCheck {
    public static void main(String[] args) throws Exception {
        Path d = Path.of("ddpm4j-core/src/test/resources/pictures");
        System.out.println("file\tvalues\tgetRGB wrong\tgetRGB max diff\tcanvas wrong\tcanvas max diff");
        for (String line : Files.readAllLines(d.resolve("expected.tsv"))) {
            String f = line.split("\t")[0];
            BufferedImage src = Images.read(d.resolve(f));
            int ch = Integer.parseInt(line.split("\t")[3]);
            byte[] exp = Files.readAllBytes(d.resolve(f + ".raw"));
            int[] a = compare(src, exp, ch, false);
            int[] b = compare(src, exp, ch, true);
            System.out.printf("%s\t%d\t%d\t%d\t%d\t%d%n", f, exp.length, a[0], a[1], b[0], b[1]);
        }
        int per = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        Path shapes = Files.createTempDirectory("shapes");
        Shapes.write(shapes, per, 4, 0); // bench/rgb.sh's folder: 4 classes, seed 0
        int files = 0;
        int wrong = 0;
        try (Stream<Path> walk = Files.walk(shapes)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                BufferedImage src = Images.read(p);
                Pixels want = Pixels.of(src).withChannels(3);
                files++;
                wrong += compare(src, want.data(), 3, true)[0] > 0 ? 1 : 0;
            }
        }
        System.out.printf("Shapes folder (%d files, PNG/JPEG/BMP/GIF): %d read differently through the canvas%n", files, wrong);
    }

    /** {wrong values, largest difference} of the old reading against the expected stored values. */
    static int[] compare(BufferedImage src, byte[] exp, int ch, boolean canvas) {
        BufferedImage img = src;
        if (canvas) {
            img = new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, src.getWidth(), src.getHeight());
            g.drawImage(src, 0, 0, null);
            g.dispose();
        }
        int wrong = 0;
        int max = 0;
        for (int i = 0; i < exp.length; i++) {
            int px = i / ch;
            int rgb = img.getRGB(px % src.getWidth(), px / src.getWidth());
            int v = ch == 1 ? (int) Math.round(0.299 * ((rgb >> 16) & 255) + 0.587 * ((rgb >> 8) & 255) + 0.114 * (rgb & 255))
                    : (rgb >> (16 - 8 * (i % 3))) & 255;
            int diff = Math.abs(v - (exp[i] & 255));
            wrong += diff > 0 ? 1 : 0;
            max = Math.max(max, diff);
        }
        return new int[] {wrong, max};
    }
}
