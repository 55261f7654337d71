package org.ddpm4j.api;

import java.io.PrintStream;
import java.util.Locale;
import org.ddpm4j.util.ProgressBar;

/**
 * What a {@link Training} reports while it runs, and whether it should stop. Every method has a do-nothing default,
 * so a listener overrides only what it needs; {@link #console} is the progress bar and lines of {@code ./ddpm train}.
 *
 * <pre>{@code
 * AtomicBoolean stop = new AtomicBoolean();   // set from another thread, e.g. a Cancel button
 * Training.run(plan, out, false, new TrainingListener() {
 *     public void onStep(long step, long total, int epoch, double loss, double imagesPerSecond) { ... }
 *     public boolean cancelled() { return stop.get(); }
 * });
 * }</pre>
 */
public interface TrainingListener {

    /** A listener that reports nothing and never cancels. */
    TrainingListener NONE = new TrainingListener() {};

    /**
     * After every optimizer step.
     *
     * @param step the steps done so far, 1-based
     * @param total the run's step count (for a minutes budget: the estimate, fixed once the first steps are timed)
     * @param epoch the pass over the data the step belongs to, 0-based
     * @param loss the step's training loss
     * @param imagesPerSecond an exponential moving average of the training speed
     */
    default void onStep(long step, long total, int epoch, double loss, double imagesPerSecond) {}

    /** A line of information (what is trained on what, resuming, done), or a warning, which starts with {@code warning: }. */
    default void onMessage(String line) {}

    /**
     * Asked after every step: true stops the training there, after it has saved a checkpoint, so that
     * {@link Training#resumePlan} continues it exactly. May be called from the training thread only, but may read
     * a flag set by any thread.
     */
    default boolean cancelled() {
        return false;
    }

    /** {@code ./ddpm train}'s output: a progress bar with rate and ETA on {@code err}, lines on {@code out}, warnings on {@code err}. */
    static TrainingListener console(PrintStream out, PrintStream err) {
        ProgressBar bar = new ProgressBar(err, "train", "step");
        return new TrainingListener() {
            @Override
            public void onStep(long step, long total, int epoch, double loss, double ips) {
                bar.update(step, total, String.format(Locale.ROOT, "epoch %d | loss %.4f | %.0f img/s", epoch, loss, ips));
            }

            @Override
            public void onMessage(String line) {
                (line.startsWith("warning: ") ? err : out).println(line);
            }
        };
    }
}
