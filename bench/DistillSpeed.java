import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.ddpm4j.api.DiffusionModel;
import org.ddpm4j.api.Generation;

/**
 * Sampling time of a distilled student against its teacher's default (DDIM 20, guidance 0.25: two network
 * calls of 64 images per step for a conditional run), 64 images of one class in one warm process through the
 * library's API, as ./ddpm sample draws them. Each model is warmed up at the timed batch shape, then the two
 * are timed in turn, REPS rounds, alternating, and the medians compared.
 * A run given as RUN@K is sampled at K steps instead of its default (a consistency student at 1 to K).
 * Usage: java -cp "target/ddpm4j.jar:target/lib/*" bench/DistillSpeed.java TEACHER STUDENT[@K] [STUDENT[@K]...] [--reps 5]
 */
public class DistillSpeed {
    public static void main(String[] args) {
        int reps = 5;
        java.util.List<String> runs = new java.util.ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--reps")) {
                reps = Integer.parseInt(args[++i]);
            } else {
                runs.add(args[i]);
            }
        }
        int n = runs.size();
        DiffusionModel[] models = new DiffusionModel[n];
        Generation[] gens = new Generation[n];
        double[][] secs = new double[n][reps];
        try {
            for (int i = 0; i < n; i++) {
                String run = runs.get(i);
                int at = run.lastIndexOf('@');
                Generation.Builder b = Generation.builder().count(64).batch(64).classIndex(3); // each model's own defaults
                if (at > 0) {
                    b.steps(Integer.parseInt(run.substring(at + 1)));
                    run = run.substring(0, at);
                }
                models[i] = DiffusionModel.open(Path.of(run));
                gens[i] = b.build();
            }
            for (int i = 0; i < n; i++) {
                models[i].generate(gens[i].toBuilder().seed(99).build()); // warm-up
            }
            for (int r = 0; r < reps; r++) {
                for (int i = 0; i < n; i++) {
                    long t0 = System.nanoTime();
                    models[i].generate(gens[i].toBuilder().seed(r).build());
                    secs[i][r] = (System.nanoTime() - t0) / 1e9;
                    System.out.printf(Locale.ROOT, "{\"round\": %d, \"run\": \"%s\", \"steps\": %d, \"guidance\": %.2f, \"seconds_per_64\": %.3f}%n",
                            r + 1, runs.get(i), models[i].steps(gens[i]), models[i].guide(gens[i]).classifierFreeWeight(), secs[i][r]);
                }
            }
            double base = median(secs[0]);
            for (int i = 0; i < n; i++) {
                double med = median(secs[i]);
                System.out.printf(Locale.ROOT, "{\"summary\": \"%s\", \"steps\": %d, \"guidance\": %.2f, \"median_seconds_per_64\": %.3f, \"ratio_to_first\": %.3f}%n",
                        runs.get(i), models[i].steps(gens[i]), models[i].guide(gens[i]).classifierFreeWeight(), med, med / base);
            }
        } finally {
            for (DiffusionModel m : models) {
                if (m != null) {
                    m.close();
                }
            }
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
