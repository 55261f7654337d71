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
        // one series per guidance rescale (w = 0 is the same point for all: nothing to rescale)
        java.util.TreeMap<Double, List<double[]>> byRescale = new java.util.TreeMap<>();
        List<double[]> unguided = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            if (line.isBlank()) {
                continue;
            }
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            double rescale = o.has("guidance_rescale") ? o.get("guidance_rescale").getAsDouble() : 0;
            double[] p = {o.get("guidance").getAsDouble(), 100 * o.get("accuracy").getAsDouble(), o.get("fid").getAsDouble()};
            (p[0] == 0 ? unguided : byRescale.computeIfAbsent(rescale, k -> new ArrayList<>())).add(p);
        }
        if (byRescale.isEmpty()) {
            byRescale.put(0.0, new ArrayList<>());
        }
        Color[] colors = {new Color(30, 110, 200), new Color(200, 60, 40), new Color(40, 150, 60), new Color(140, 60, 170)};
        List<Plots.Series> acc = new ArrayList<>();
        List<Plots.Series> fid = new ArrayList<>();
        int k = 0;
        for (var e : byRescale.entrySet()) {
            List<double[]> pts = new ArrayList<>(unguided);
            pts.addAll(e.getValue());
            pts.sort((a, b) -> Double.compare(a[0], b[0]));
            double[] w = pts.stream().mapToDouble(q -> q[0]).toArray();
            String name = e.getKey() == 0 ? "plain guidance" : "guidance rescale " + e.getKey();
            Color c = colors[k++ % colors.length];
            acc.add(new Plots.Series(name, w, pts.stream().mapToDouble(q -> q[1]).toArray(), c));
            fid.add(new Plots.Series(name, w, pts.stream().mapToDouble(q -> q[2]).toArray(), c));
        }
        BufferedImage a = Plots.lines("mean class accuracy vs guidance (higher is better)", "guidance scale w", "accuracy %",
                acc, false, false);
        BufferedImage f = Plots.lines("domain FID vs guidance (lower is better)", "guidance scale w", "FID",
                fid, false, false);
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
