import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ddpm4j.image.Images;

/**
 * Lays PNGs out in a grid, each with a caption under it (for README pictures).
 * Usage: Montage OUT.png COLUMNS "caption=IN.png" ...  (a "|" in a caption starts a second line)
 */
public class Montage {
    public static void main(String[] args) {
        int cols = Integer.parseInt(args[1]);
        List<BufferedImage> imgs = new ArrayList<>();
        List<String[]> captions = new ArrayList<>();
        int cw = 0;
        int ch = 0;
        for (int i = 2; i < args.length; i++) {
            int eq = args[i].lastIndexOf('=');
            BufferedImage im = Images.read(Path.of(args[i].substring(eq + 1)));
            imgs.add(im);
            captions.add(args[i].substring(0, eq).split("\\|"));
            cw = Math.max(cw, im.getWidth());
            ch = Math.max(ch, im.getHeight());
        }
        int pad = 8;
        int line = 15;
        int cellW = Math.max(cw, 150) + 2 * pad;
        int cellH = ch + pad + 2 * line + pad;
        int rows = (imgs.size() + cols - 1) / cols;
        BufferedImage out = new BufferedImage(cols * cellW, rows * cellH, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int i = 0; i < imgs.size(); i++) {
            int x = (i % cols) * cellW;
            int y = (i / cols) * cellH;
            BufferedImage im = imgs.get(i);
            g.drawImage(im, x + (cellW - im.getWidth()) / 2, y + pad, null);
            g.setColor(Color.BLACK);
            String[] cap = captions.get(i);
            for (int k = 0; k < cap.length; k++) {
                int tw = g.getFontMetrics().stringWidth(cap[k]);
                g.drawString(cap[k], x + (cellW - tw) / 2, y + pad + ch + line * (k + 1));
            }
        }
        g.dispose();
        Images.writePng(out, Path.of(args[0]));
    }
}
