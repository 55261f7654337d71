import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.ddpm4j.api.DiffusionModel;
import org.ddpm4j.api.Generation;
import org.ddpm4j.api.SamplerKind;
import org.ddpm4j.sampler.TimestepSpacing;

/**
 * Sampling speed of the 1000-step ancestral sampler against DDIM and DPM-Solver++ at 20 steps, on one
 * run's network, in one process: every setting is warmed up first (the first call at a new batch shape is
 * slow), then the settings are timed in turn, REPS rounds, alternating, and the medians compared.
 * Each timing generates one batch of 64 images through the library's API, as ./ddpm sample does.
 * Usage: java -cp "target/ddpm4j.jar:target/lib/*" bench/SamplerSpeed.java RUN [REPS=3]
 */
public class SamplerSpeed {
    public static void main(String[] args) {
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        String[] names = {"ddpm", "ddim", "dpm++"};
        int[] steps = {1000, 20, 20};
        int n = 64;
        double[][] secs = new double[names.length][reps];
        try (DiffusionModel model = DiffusionModel.open(java.nio.file.Path.of(args[0]))) {
            Generation[] g = new Generation[names.length];
            for (int i = 0; i < names.length; i++) {
                g[i] = Generation.builder().count(n).batch(n).sampler(SamplerKind.of(names[i])).steps(steps[i]).eta(0)
                        .spacing(TimestepSpacing.TRAILING).clipX0(true).build();
                model.generate(g[i].toBuilder().steps(3).seed(99).build()); // warm-up at the timed batch shape
            }
            for (int r = 0; r < reps; r++) {
                for (int i = 0; i < names.length; i++) {
                    long t0 = System.nanoTime();
                    model.generate(g[i].toBuilder().seed(r).build());
                    secs[i][r] = (System.nanoTime() - t0) / 1e9;
                    System.out.printf(Locale.ROOT, "{\"round\": %d, \"sampler\": \"%s\", \"calls\": %d, \"images\": %d, \"seconds\": %.3f, \"images_per_s\": %.4f}%n",
                            r + 1, names[i], steps[i], n, secs[i][r], n / secs[i][r]);
                }
            }
        }
        double base = median(secs[0]);
        for (int i = 0; i < names.length; i++) {
            double med = median(secs[i]);
            System.out.printf(Locale.ROOT, "{\"summary\": \"%s\", \"calls\": %d, \"median_seconds_per_64\": %.3f, \"images_per_s\": %.4f, \"speed_vs_ddpm_1000\": %.1f, \"ms_per_call\": %.1f}%n",
                    names[i], steps[i], med, n / med, base / med, 1000 * med / steps[i]);
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
