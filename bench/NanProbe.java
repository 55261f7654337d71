import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.ddpm4j.data.ImageSet;
import org.ddpm4j.diffusion.DiffusionConfig;
import org.ddpm4j.model.Denoiser;
import org.ddpm4j.model.ModelConfig;
import org.ddpm4j.model.UNetConfig;
import org.ddpm4j.train.DiffusionTrainer;
import org.ddpm4j.config.TrainConfig;
import org.ddpm4j.util.Rng;

/**
 * Trains the tiny conditional U-Net of GcStressTest (8x8 images, batch 8, 3 classes) for a number of steps and
 * prints each step's loss as the hex bits of the double, so that runs in separate processes can be compared
 * bit for bit. A kernel that is wrong now and then shows up as a run whose losses differ from the others
 * (or as a NaN). Usage: java -cp "target/ddpm4j.jar:target/lib/*" bench/NanProbe.java [steps]; to test a machine,
 * {@code for i in $(seq 20); do ONEDNN_MAX_CPU_ISA=DEFAULT java -cp ... bench/NanProbe.java 40 | md5sum; done | sort | uniq -c}
 * (one line with 20 means no fault seen).
 */
public class NanProbe {
    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        int b = 8;
        Rng data = new Rng(11);
        float[] px = new float[b * 64];
        float[] labels = new float[b];
        ImageSet set = new ImageSet(new float[64], new int[] {0}, 1, 1, 8, 8, "unused");
        TrainConfig tc = new TrainConfig(TrainConfig.Data.of("mnist", null), TrainConfig.Budget.steps(steps),
                new TrainConfig.Optimiser(b, 1e-3, 5, true, 0.01, 1.0, 0.99), new TrainConfig.Objective(5.0, false),
                new TrainConfig.Conditioning(true, 0.2), 0);
        try (NDManager m = NDManager.newBaseManager();
                Denoiser net = Denoiser.create(new ModelConfig(ModelConfig.UNET, 1, 8, UNetConfig.tiny(), 3), m, new Rng(0))) {
            DiffusionTrainer tr = new DiffusionTrainer(net, DiffusionConfig.seed().build(), tc, new Rng(2), set);
            StringBuilder out = new StringBuilder();
            for (int s = 0; s < steps; s++) {
                for (int i = 0; i < px.length; i++) {
                    px[i] = (float) (data.nextDouble() * 2 - 1);
                }
                for (int i = 0; i < b; i++) {
                    labels[i] = data.nextInt(3);
                }
                double loss;
                try {
                    loss = tr.step(px, new Shape(b, 1, 8, 8), labels);
                } catch (RuntimeException e) {
                    out.append(s + 1).append(" error ").append(e.getMessage()).append('\n');
                    break;
                }
                out.append(s + 1).append(' ').append(Long.toHexString(Double.doubleToRawLongBits(loss))).append(' ')
                        .append(loss).append('\n');
                if (!Double.isFinite(loss)) {
                    break;
                }
            }
            System.out.print(out);
        }
    }
}
