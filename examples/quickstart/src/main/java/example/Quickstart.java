package example;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import org.ddpm4j.api.DiffusionModel;
import org.ddpm4j.api.GeneratedImages;
import org.ddpm4j.api.Generation;
import org.ddpm4j.api.Inpainting;
import org.ddpm4j.api.Training;
import org.ddpm4j.api.TrainingListener;

/** Trains a tiny model for a few steps, generates a grid of 16 digits, and inpaints one of them. */
public class Quickstart {
    public static void main(String[] args) {
        Path out = Path.of(args.length > 0 ? args[0] : "quickstart");
        Path run = out.resolve("run");

        // 1. train: the U-Net recipe, made tiny so that it runs in seconds (real runs: the defaults, --minutes 30)
        Training.Plan plan = Training.unet().data("mnist").digit(1).base(8).mults(1, 2).blocks(1)
                .steps(20).batch(16).sampleEvery(0).plan();
        Training.run(plan, run, false, TrainingListener.console(System.out, System.err));

        try (DiffusionModel model = DiffusionModel.open(run)) {
            // 2. generate: 16 images, seed 7; image i depends only on the seed and i
            GeneratedImages images = model.generate(Generation.builder().count(16).steps(10).seed(7).build());
            images.writePngs(out.resolve("samples"));

            // 3. inpaint: keep the left half of the first image, regenerate the right half (white in the mask)
            BufferedImage picture = images.image(0);
            int s = model.size();
            BufferedImage mask = new BufferedImage(s, s, BufferedImage.TYPE_BYTE_GRAY);
            for (int y = 0; y < s; y++) {
                for (int x = s / 2; x < s; x++) {
                    mask.getRaster().setSample(x, y, 0, 255);
                }
            }
            GeneratedImages done = model.inpaint(Inpainting.of(picture, mask).count(4).steps(20).resample(2).build());
            done.writeGrid(out.resolve("inpainted.png"));
        }
        System.out.println("wrote " + out.resolve("samples/grid.png") + " and " + out.resolve("inpainted.png"));
    }
}
