import java.io.PrintStream;
import java.nio.file.Path;
import org.ddpm4j.api.Training;

/**
 * Profiles training steps of the default U-Net recipe (MNIST 1s, batch 64) with PyTorch's profiler, after 5
 * warm-up steps in another run: java ... ProfileStep STEPS TRACE.json RUNDIR; bench/profile_summary.py TRACE.json STEPS
 * then sums the self time of every native op. Run it with nothing else on the cores.
 */
public class ProfileStep {
    public static void main(String[] a) throws Exception {
        System.setProperty("ai.djl.offline", "true");
        org.ddpm4j.util.OneDnn.avoidFaultyKernels();
        int steps = Integer.parseInt(a[0]);
        Training.Plan warm = Training.unet().data("mnist").digit(1).steps(5).sampleEvery(0).plan();
        PrintStream quiet = new PrintStream(new java.io.ByteArrayOutputStream());
        Training.run(warm, Path.of(a[2] + "-warm"), false, quiet, System.err);
        Training.Plan plan = Training.unet().data("mnist").digit(1).steps(steps).sampleEvery(0).checkpointEvery(100000).plan();
        ai.djl.pytorch.jni.JniUtils.startProfile(false, false, false);
        long t0 = System.nanoTime();
        Training.run(plan, Path.of(a[2]), false, quiet, System.err);
        double secs = (System.nanoTime() - t0) / 1e9;
        ai.djl.pytorch.jni.JniUtils.stopProfile(a[1]);
        System.out.printf("%d steps in %.2f s under the profiler%n", steps, secs);
    }
}
