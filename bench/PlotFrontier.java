import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ddpm4j.image.Images;
import org.ddpm4j.image.Plots;

/**
 * Accuracy against domain FID, one line per series through its plain-guidance rows of seed 0 (w = 0, 1, 2,
 * ... in order), with the 99.5% target drawn across. IN.jsonl files hold `./ddpm eval` lines of one model at
 * one N; a series reads one or more (comma-separated). With @GUIDE it keeps the autoguided rows whose
 * guide_run ends with GUIDE (and the unguided w = 0 row); without it, the rows without a guide run.
 * `eval --real` lines (seed 0) become one more point, "real digits".
 * Usage: PlotFrontier OUT.png LABEL=IN.jsonl[,IN.jsonl...][@GUIDE] [...]
 */
public class PlotFrontier {
    public static void main(String[] args) throws Exception {
        Color[] colors = {new Color(200, 60, 40), new Color(30, 110, 200), new Color(40, 150, 60), new Color(140, 60, 170)};
        List<Plots.Series> series = new ArrayList<>();
        double lo = Double.MAX_VALUE;
        double hi = 0;
        double[] real = null;
        for (int a = 1; a < args.length; a++) {
            String[] kv = args[a].split("=", 2);
            String[] filesAndGuide = kv[1].split("@", 2);
            String guide = filesAndGuide.length > 1 ? filesAndGuide[1] : null;
            List<double[]> pts = new ArrayList<>();
            for (String file : filesAndGuide[0].split(",")) {
                for (String line : Files.readAllLines(Path.of(file))) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonObject o = JsonParser.parseString(line).getAsJsonObject();
                    if (o.has("seed") && o.get("seed").getAsLong() != 0) {
                        continue;
                    }
                    if (o.get("model").getAsString().equals("real images")) {
                        real = new double[] {o.get("fid").getAsDouble(), 100 * o.get("accuracy").getAsDouble()};
                        continue;
                    }
                    boolean plain = (!o.has("guidance_rescale") || o.get("guidance_rescale").getAsDouble() == 0)
                            && (!o.has("guidance_interval") || o.getAsJsonArray("guidance_interval").get(0).getAsDouble() == 0
                                    && o.getAsJsonArray("guidance_interval").get(1).getAsDouble() == 1);
                    double w = o.get("guidance").getAsDouble();
                    String by = o.has("guide_run") ? o.get("guide_run").getAsString() : null;
                    boolean ours = w == 0 ? by == null : guide == null ? by == null : by != null && by.endsWith(guide);
                    if (plain && ours) {
                        pts.add(new double[] {w, o.get("fid").getAsDouble(), 100 * o.get("accuracy").getAsDouble()});
                    }
                }
            }
            pts.sort((p, q) -> Double.compare(p[0], q[0]));
            for (double[] p : pts) {
                lo = Math.min(lo, p[1]);
                hi = Math.max(hi, p[1]);
            }
            series.add(new Plots.Series(kv[0], pts.stream().mapToDouble(p -> p[1]).toArray(),
                    pts.stream().mapToDouble(p -> p[2]).toArray(), colors[(a - 1) % colors.length]));
        }
        if (real != null) {
            series.add(new Plots.Series("real digits", new double[] {real[0]}, new double[] {real[1]}, Color.BLACK));
            lo = Math.min(lo, real[0]);
        }
        series.add(new Plots.Series("99.5% target", new double[] {lo, hi}, new double[] {99.5, 99.5}, Color.GRAY));
        Images.writePng(Plots.lines("class accuracy against domain FID (top left is best)", "domain FID (log)", "accuracy %",
                series, false, true), Path.of(args[0]));
    }
}
