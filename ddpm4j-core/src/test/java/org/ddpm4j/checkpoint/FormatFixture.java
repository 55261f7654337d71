package org.ddpm4j.checkpoint;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.ddpm4j.api.DiffusionModel;
import org.ddpm4j.api.Generation;
import org.ddpm4j.api.SamplerKind;
import org.ddpm4j.api.Training;

/**
 * Writes a small run of checkpoint format {@value CheckpointFile#FORMAT_VERSION} and the images it generates, as
 * {@link OldCheckpointTest}'s resource: a class-conditional tiny U-Net ({@link #PLAN}) stopped after step 2 of 4,
 * and 2 images of class 1 from it (DDIM, 4 steps, guidance 2, seed 5) as text. Kept as written when
 * the format was current, so that later code is tested against what earlier code wrote. Run from the
 * repository root: {@code java -cp "ddpm4j-core/target/test-classes:target/ddpm4j.jar:target/lib/*"
 * org.ddpm4j.checkpoint.FormatFixture ddpm4j-core/src/test/resources/old-runs/format-1}.
 */
public final class FormatFixture {

    /** A class-conditional tiny U-Net on the embedded MNIST, 4 steps at batch 4, a checkpoint every 2. */
    static final Training.Recipe PLAN = Training.unet().data("mnist").conditional(true).steps(4).batch(4).base(8).mults(1, 2)
            .blocks(1).sampleEvery(0).checkpointEvery(2);

    static final Generation REQUEST = Generation.builder().count(2).classIndex(1).sampler(SamplerKind.DDIM).steps(4).guidance(2)
            .seed(5).build();

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        Path tmp = Files.createTempDirectory("ddpm4j-fixture");
        Files.createDirectories(out);
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        try {
            Training.run(PLAN.plan(), tmp.resolve("run"), false, quiet, quiet, 2);
        } catch (Training.Stopped expected) {
            // stopped after step 2 of 4, just after its checkpoint, as a run that was interrupted
        }
        for (String f : new String[] {Run.CHECKPOINT, Run.LOG}) {
            Files.copy(tmp.resolve("run").resolve(f), out.resolve(f));
        }
        try (DiffusionModel model = DiffusionModel.open(out)) {
            StringBuilder b = new StringBuilder();
            for (float v : model.generate(REQUEST).values()) {
                b.append(String.format(Locale.ROOT, "%.7e%n", v));
            }
            Files.writeString(out.resolve("expected-images.txt"), b);
        }
    }
}
