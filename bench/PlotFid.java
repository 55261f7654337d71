import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ddpm4j.image.Images;
import org.ddpm4j.image.Plots;

/**
 * Plots domain FID against network calls per sampler from `./ddpm eval` JSON lines (seed 0 only; distilled
 * students as a series of their own). Usage: PlotFid IN.jsonl OUT.png
 */
public class PlotFid {
    /** Network evaluations of a batch per image: steps, twice that with classifier-free guidance (two branches). */
    static double calls(JsonObject o) {
        boolean guided = o.has("guidance") && o.get("guidance").getAsDouble() > 0 && !o.has("guide_run");
        return o.get("steps").getAsDouble() * (guided ? 2 : 1);
    }

    public static void main(String[] args) throws Exception {
        Map<String, List<double[]>> bySampler = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            if (line.isBlank()) {
                continue;
            }
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            boolean student = o.has("schedule") && o.get("schedule").getAsString().equals("distilled");
            String key = student ? (o.get("sampler").getAsString().equals("consistency") ? "consistency student" : "progressive student")
                    : o.get("sampler").getAsString();
            if (o.has("seed") && o.get("seed").getAsLong() != 0) {
                continue; // one point per setting: the default seed
            }
            bySampler.computeIfAbsent(key, k -> new ArrayList<>())
                    .add(new double[] {calls(o), o.get("fid").getAsDouble()});
        }
        Color[] colors = {new Color(200, 60, 40), new Color(30, 110, 200), new Color(40, 160, 80), new Color(130, 60, 170),
            new Color(220, 140, 20), new Color(90, 90, 90)};
        List<Plots.Series> series = new ArrayList<>();
        int i = 0;
        for (var e : bySampler.entrySet()) {
            List<double[]> pts = e.getValue();
            pts.sort((a, b) -> Double.compare(a[0], b[0]));
            double[] x = pts.stream().mapToDouble(p -> p[0]).toArray();
            double[] y = pts.stream().mapToDouble(p -> p[1]).toArray();
            series.add(new Plots.Series(e.getKey(), x, y, colors[i++ % colors.length]));
        }
        Images.writePng(Plots.lines("domain FID vs network calls (lower is better)", "network evaluations per image (log; guidance counts two)", "FID",
                series, true, true), Path.of(args[1]));
    }
}
