import java.io.PrintStream;
import java.io.OutputStream;
import java.util.Locale;
import org.ddpm4j.data.Datasets;
import org.ddpm4j.data.ImageSet;
import org.ddpm4j.eval.Meter;
import org.ddpm4j.eval.TrainedClassifier;
import org.ddpm4j.util.Rng;

/**
 * Held-out accuracy and training time of classifier recipes on the embedded MNIST: how meter 3 was chosen.
 * Usage: java -cp "target/ddpm4j.jar:target/lib/*" bench/MeterRecipes.java [v2] [v3] [widths:convs:epochs:shift:cos[:rotate[:dropout]] ...]
 * e.g. 32,64:2:30:2:1 is meter 3; rotate R turns by up to R degrees and scales by up to R%, dropout is a share of the features.
 */
public class MeterRecipes {
    public static void main(String[] args) {
        ImageSet mnist = Datasets.embeddedMnist();
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        for (String a : args) {
            Meter m;
            if (a.equals("v2")) {
                m = Meter.V2;
            } else if (a.equals("v3")) {
                m = Meter.V3;
            } else {
                String[] p = a.split(":");
                String[] w = p[0].split(",");
                int[] widths = new int[w.length];
                for (int i = 0; i < w.length; i++) {
                    widths[i] = Integer.parseInt(w[i]);
                }
                m = new Meter(0, widths, Integer.parseInt(p[1]), Integer.parseInt(p[2]), Integer.parseInt(p[3]), p[4].equals("1"),
                        p.length > 5 ? Integer.parseInt(p[5]) : 0, p.length > 6 ? Double.parseDouble(p[6]) : 0);
            }
            long t0 = System.nanoTime();
            try (TrainedClassifier c = TrainedClassifier.train(mnist, 10, new Rng(TrainedClassifier.SEED), m, quiet)) {
                System.out.printf(Locale.ROOT, "{\"recipe\": \"%s\", \"held_out_accuracy\": %.4f, \"train_s\": %.1f}%n",
                        a, c.heldOutAccuracy(), (System.nanoTime() - t0) / 1e9);
            }
        }
    }
}
