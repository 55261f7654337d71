import ai.djl.ndarray.NDManager;
import java.util.Locale;
import org.ddpm4j.api.Training;
import org.ddpm4j.data.Datasets;
import org.ddpm4j.data.ImageSet;
import org.ddpm4j.model.Denoiser;
import org.ddpm4j.train.DiffusionTrainer;
import org.ddpm4j.util.Rng;

/**
 * Where a training step of the default U-Net recipe (MNIST 1s, batch 64) goes, timed from Java around each part
 * (DiffusionTrainer.Phase): java ... StepPhases [STEPS=30]. The first 5 steps warm up and are not counted.
 * Run it with nothing else on the cores.
 */
public class StepPhases {
    /** The process's minor page faults so far (field 10 of /proc/self/stat), or -1 off Linux. */
    static long minorFaults() {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[7]); // state is field 3, minflt field 10
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
    }

    public static void main(String[] a) {
        System.setProperty("ai.djl.offline", "true");
        org.ddpm4j.util.OneDnn.avoidFaultyKernels();
        int steps = a.length > 0 ? Integer.parseInt(a[0]) : 30;
        int warm = 5;
        Training.Plan plan = Training.unet().data("mnist").digit(1).steps(warm + steps).sampleEvery(0).plan();
        ImageSet data = Datasets.load("mnist", 0, 0, System.err).filterLabel(1);
        long[][] at = new long[2][];
        long[] wall = new long[2];
        long[] faults = new long[2];
        java.util.List<Long> ends = new java.util.ArrayList<>();
        try (NDManager m = NDManager.newBaseManager(); Denoiser net = Denoiser.create(plan.model(), m, new Rng(plan.train().seed()))) {
            DiffusionTrainer t = new DiffusionTrainer(net, plan.diffusion().build(), plan.train(), new Rng(plan.train().seed()), data);
            at[0] = t.phaseNanos();
            wall[0] = System.nanoTime();
            t.run((step, total, epoch, loss, ips) -> {}, tr -> {
                if (tr.stepCount() == warm) {
                    at[0] = tr.phaseNanos();
                    faults[0] = minorFaults();
                    wall[0] = System.nanoTime();
                }
                if (tr.stepCount() >= warm) {
                    ends.add(System.nanoTime());
                }
            });
            wall[1] = System.nanoTime();
            faults[1] = minorFaults();
            at[1] = t.phaseNanos();
        }
        double wallMs = (wall[1] - wall[0]) / 1e6 / steps;
        double sum = 0;
        System.out.printf(Locale.ROOT, "%d steps after %d warm-up steps: %.1f ms per step wall (%.1f images/s)%n%n", steps, warm, wallMs,
                64 / (wallMs / 1000));
        double[] each = new double[ends.size() - 1];
        for (int i = 1; i < ends.size(); i++) {
            each[i - 1] = (ends.get(i) - ends.get(i - 1)) / 1e6;
        }
        java.util.Arrays.sort(each);
        System.out.printf(Locale.ROOT, "median step %.1f ms; %.0f minor page faults per step%n%n", each[each.length / 2],
                (faults[1] - faults[0]) / (double) steps);
        System.out.println("| part | ms per step | share |");
        System.out.println("| --- | --- | --- |");
        for (DiffusionTrainer.Phase p : DiffusionTrainer.Phase.values()) {
            double ms = (at[1][p.ordinal()] - at[0][p.ordinal()]) / 1e6 / steps;
            sum += ms;
            System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f%% |%n", p.name().toLowerCase(Locale.ROOT).replace('_', ' '), ms, 100 * ms / wallMs);
        }
        System.out.printf(Locale.ROOT, "| not in a part (listener, hook, loop) | %.1f | %.1f%% |%n", wallMs - sum, 100 * (wallMs - sum) / wallMs);
    }
}
