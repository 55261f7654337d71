import java.util.Locale;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.ddpm4j.checkpoint.Run;
import org.ddpm4j.data.ImageSet;
import org.ddpm4j.diffusion.GaussianDiffusion;
import org.ddpm4j.eval.Evaluator;
import org.ddpm4j.eval.Frechet;
import org.ddpm4j.eval.Meter;
import org.ddpm4j.eval.TrainedClassifier;
import org.ddpm4j.model.Denoiser;
import org.ddpm4j.pipeline.DiffusionPipeline;
import org.ddpm4j.pipeline.Guidance;
import org.ddpm4j.pipeline.StepListener;
import org.ddpm4j.sampler.SamplerConfig;
import org.ddpm4j.util.Rng;
import org.ddpm4j.util.Tensors;

/**
 * Can a conditional run read its own samples? Generates 100 images of every class as
 * {@code ./ddpm eval --run RUN --n 100 --seed SEED --eta 1 --steps 50} does (unguided, the same images; with GUIDE_RUN W
 * CFG as {@code ... --guidance W --guide-run GUIDE_RUN --cfg CFG} does), then
 * classifies each with the run's own network, a diffusion classifier (Li et al., arXiv 2303.16203): noise it at K
 * levels t = (k + 1/2) T / K with one draw of noise shared by all ten classes, run the network once per class, and
 * pick the class with the least summed error (v-loss, or weighted to eps or x0 error; all levels, only t <= T/2 or
 * only t > T/2).
 * Prints, per rule, how often the run reads its own sample as the class asked for, meter 3's accuracy on all
 * images and on those the run accepts, how many of the rejected the meter also reads as another class, and the
 * domain FID of all images and of the accepted ones (fewer images: FID's small-sample bias is a little larger).
 * The meter is only scored against, never used to choose. Images are cached in /tmp/sc-RUNNAME-SEED[-W-CFG].bin.
 * Usage: java -cp "target/ddpm4j.jar:target/lib/*" bench/SelfCheck.java RUN SEED K [GUIDE_RUN W CFG]
 */
public class SelfCheck {
    public static void main(String[] a) throws Exception {
        Run r = Run.open(java.nio.file.Path.of(a[0]));
        long seed = Long.parseLong(a[1]);
        int K = Integer.parseInt(a[2]);
        int per = 100, k = 10, n = per * k;
        int[] classes = new int[n];
        for (int c = 0; c < k; c++) for (int i = 0; i < per; i++) classes[c * per + i] = c;
        ImageSet all = r.loadData(System.err);
        GaussianDiffusion diff = r.diffusion().build();
        int T = diff.schedule().steps();
        int[] levels = new int[K]; // t = (k + 1/2) T / K
        for (int kk = 0; kk < K; kk++) levels[kk] = (int) Math.floor((kk + 0.5) * T / K);
        int ch = r.model().channels(), size = r.model().size(), pix = ch * size * size;
        try (TrainedClassifier clf = TrainedClassifier.forData(all, Meter.V3, System.err);
             NDManager m = NDManager.newBaseManager(); Denoiser net = r.loadModel(m, true)) {
            long t0 = System.nanoTime();
            boolean guided = a.length > 3;
            Denoiser guide = guided ? Run.open(java.nio.file.Path.of(a[3])).loadModel(m, true) : null;
            Guidance g = guided ? Guidance.autoguidance(Double.parseDouble(a[4]), Double.parseDouble(a[5])) : Guidance.of(0);
            java.nio.file.Path cache = java.nio.file.Path.of("/tmp/sc-" + java.nio.file.Path.of(a[0]).getFileName() + "-" + seed
                    + (guided ? "-" + a[4] + "-" + a[5] : "") + ".bin");
            float[] imgs;
            if (java.nio.file.Files.exists(cache)) {
                java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(java.nio.file.Files.readAllBytes(cache));
                imgs = new float[n * pix]; bb.asFloatBuffer().get(imgs);
            } else {
            imgs = new DiffusionPipeline(net, SamplerConfig.of("ddim", 1, "trailing", "beta", true).build(diff))
                    .withGuide(guide).generate(n, 50, 250, new Rng(seed), StepListener.NONE, classes, g);
            java.nio.ByteBuffer bb = java.nio.ByteBuffer.allocate(imgs.length * 4); bb.asFloatBuffer().put(imgs);
            java.nio.file.Files.write(cache, bb.array());
            }
            System.err.printf("generated in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            int[] meter = clf.predict(imgs, n, ch, size);
            Frechet.Stats real = Evaluator.realStats(clf, all);
            double fidAll = Evaluator.score(clf, imgs, n, ch, size, real, -1).fid(); // as ./ddpm eval scores all 1,000
            double[][][] err = new double[K][n][k]; // v-error per t, image, class
            Rng nr = new Rng(777);
            int B = 50; // images per call: B*10 = 500
            t0 = System.nanoTime();
            Tensors.inferenceOnThisThread();
            for (int s = 0; s < n; s += B) {
                for (int kk = 0; kk < K; kk++) {
                    int t = levels[kk];
                    try (NDManager sm = m.newSubManager()) {
                        float[] x0 = new float[B * k * pix];
                        float[] cl = new float[B * k];
                        for (int i = 0; i < B; i++) for (int c = 0; c < k; c++) {
                            System.arraycopy(imgs, (s + i) * pix, x0, (i * k + c) * pix, pix);
                            cl[i * k + c] = c;
                        }
                        float[] e1 = nr.gaussians(B * pix);
                        float[] eps = new float[B * k * pix];
                        for (int i = 0; i < B; i++) for (int c = 0; c < k; c++) System.arraycopy(e1, i * pix, eps, (i * k + c) * pix, pix);
                        Shape sh = new Shape(B * k, ch, size, size);
                        NDArray X0 = Tensors.fromJava(sm, x0, sh), E = Tensors.fromJava(sm, eps, sh);
                        int[] tt = new int[B * k];
                        java.util.Arrays.fill(tt, t);
                        NDArray xt = diff.addNoise(X0, E, tt);
                        NDArray out = net.forward(xt, sm.full(new Shape(B * k), (float) t), Tensors.fromJava(sm, cl), false);
                        NDArray target = diff.target(X0, E, tt);
                        float[] d = out.sub(target).square().reshape(B * k, -1).mean(new int[] {1}).toFloatArray();
                        for (int i = 0; i < B; i++) for (int c = 0; c < k; c++) err[kk][s + i][c] = d[i * k + c];
                    }
                }
            }
            System.err.printf("classified in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            String[] names = {"v", "eps", "x0"};
            for (int w = 0; w < 3; w++) {
                for (int lo = 0; lo < 3; lo++) {
                double[] weight = new double[K]; // per level: 0 when left out, else the loss weighting
                for (int kk = 0; kk < K; kk++) {
                    double ab = diff.schedule().alphaBar(levels[kk]);
                    boolean left = lo == 1 && levels[kk] > T / 2 || lo == 2 && levels[kk] <= T / 2;
                    weight[kk] = left ? 0 : w == 0 ? 1 : w == 1 ? ab : 1 - ab;
                }
                int agree = 0, meterOk = 0, acc = 0, accOk = 0, rejMeterWrong = 0;
                float[] kept = new float[n * pix];
                for (int i = 0; i < n; i++) {
                    double best = Double.MAX_VALUE; int arg = -1;
                    for (int c = 0; c < k; c++) {
                        double sum = 0;
                        for (int kk = 0; kk < K; kk++) {
                            sum += weight[kk] * err[kk][i][c];
                        }
                        if (sum < best) { best = sum; arg = c; }
                    }
                    boolean mok = meter[i] == classes[i];
                    meterOk += mok ? 1 : 0;
                    if (arg == classes[i]) {
                        System.arraycopy(imgs, i * pix, kept, acc * pix, pix);
                        agree++; acc++; accOk += mok ? 1 : 0;
                    } else if (!mok) rejMeterWrong++;
                }
                double fidKept = Evaluator.score(clf, java.util.Arrays.copyOf(kept, acc * pix), acc, ch, size, real, -1).fid();
                System.out.printf(Locale.ROOT, "{\"seed\":%d,%s\"K\":%d,\"weight\":\"%s\",\"levels\":\"%s\",\"self_agree\":%.4f,\"meter_acc\":%.4f,\"meter_acc_accepted\":%.4f,\"rejected\":%d,\"rejected_meter_wrong\":%d,\"fid_all\":%.3f,\"fid_accepted\":%.3f}%n",
                        seed, guided ? "\"guidance\":" + a[4] + ",\"guide_run\":\"" + a[3] + "\",\"cfg\":" + a[5] + "," : "", K, names[w],
                        lo == 0 ? "all" : lo == 1 ? "t<=T/2" : "t>T/2", agree / (double) n, meterOk / (double) n, accOk / (double) acc, n - acc, rejMeterWrong, fidAll, fidKept);
                }
            }
        }
    }
}
