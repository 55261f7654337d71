import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ddpm4j.image.Images;
import org.ddpm4j.image.Plots;

/**
 * The guidance trade-off from `./ddpm eval` JSON lines of a conditional run: mean class accuracy and domain
 * FID against the guidance scale w, side by side. Usage: PlotGuidance IN.jsonl OUT.png
 */
public class PlotGuidance {
    public static void main(String[] args) throws Exception {
        List<double[]> pts = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            if (line.isBlank()) {
                continue;
            }
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            pts.add(new double[] {o.get("guidance").getAsDouble(), 100 * o.get("accuracy").getAsDouble(), o.get("fid").getAsDouble()});
        }
        pts.sort((a, b) -> Double.compare(a[0], b[0]));
        double[] w = pts.stream().mapToDouble(p -> p[0]).toArray();
        double[] acc = pts.stream().mapToDouble(p -> p[1]).toArray();
        double[] fid = pts.stream().mapToDouble(p -> p[2]).toArray();
        BufferedImage a = Plots.lines("mean class accuracy vs guidance (higher is better)", "guidance scale w", "accuracy %",
                List.of(new Plots.Series("accuracy", w, acc, new Color(30, 110, 200))), false, false);
        BufferedImage f = Plots.lines("domain FID vs guidance (lower is better)", "guidance scale w", "FID",
                List.of(new Plots.Series("FID", w, fid, new Color(200, 60, 40))), false, false);
        BufferedImage both = new BufferedImage(a.getWidth() + f.getWidth(), Math.max(a.getHeight(), f.getHeight()), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = both.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, both.getWidth(), both.getHeight());
        g.drawImage(a, 0, 0, null);
        g.drawImage(f, a.getWidth(), 0, null);
        g.dispose();
        Images.writePng(both, Path.of(args[1]));
    }
}
