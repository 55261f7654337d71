import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.ddpm4j.data.Datasets;
import org.ddpm4j.data.ImageSet;
import org.ddpm4j.image.Images;
import org.ddpm4j.util.Rng;

/**
 * Writes the inputs of the README's inpainting picture: the first embedded MNIST image of a digit and four
 * 28x28 masks (white = regenerate): left half, right half, centre square, random pixels (half of them).
 * Usage: InpaintInputs DIGIT OUT_DIR
 */
public class InpaintInputs {
    public static void main(String[] args) throws Exception {
        int digit = Integer.parseInt(args[0]);
        Path out = Path.of(args[1]);
        Files.createDirectories(out);
        ImageSet set = Datasets.embeddedMnist().filterLabel(digit);
        int s = set.height();
        Images.writePng(Images.toImage(set.image(0), 0, 1, s, s), out.resolve("digit.png"));
        Rng rng = new Rng(7);
        String[] names = {"left-half", "right-half", "centre-square", "random-pixels"};
        for (String name : names) {
            BufferedImage m = new BufferedImage(s, s, BufferedImage.TYPE_BYTE_GRAY);
            for (int y = 0; y < s; y++) {
                for (int x = 0; x < s; x++) {
                    boolean regen = switch (name) {
                        case "left-half" -> x < s / 2;
                        case "right-half" -> x >= s / 2;
                        case "centre-square" -> Math.abs(x - s / 2 + 0.5) < s / 4.0 && Math.abs(y - s / 2 + 0.5) < s / 4.0;
                        default -> rng.nextDouble() < 0.5;
                    };
                    m.getRaster().setSample(x, y, 0, regen ? 255 : 0);
                }
            }
            Images.writePng(m, out.resolve("mask-" + name + ".png"));
        }
    }
}
