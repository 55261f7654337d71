import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ddpm4j.image.Images;

/** Stacks PNGs vertically on white (for README pictures). Usage: StackImages OUT.png IN1.png IN2.png ... */
public class StackImages {
    public static void main(String[] args) {
        List<BufferedImage> imgs = new ArrayList<>();
        int w = 0;
        int h = 0;
        for (int i = 1; i < args.length; i++) {
            BufferedImage im = Images.read(Path.of(args[i]));
            imgs.add(im);
            w = Math.max(w, im.getWidth());
            h += im.getHeight();
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        int y = 0;
        for (BufferedImage im : imgs) {
            g.drawImage(im, 0, y, null);
            y += im.getHeight();
        }
        g.dispose();
        Images.writePng(out, Path.of(args[0]));
    }
}
