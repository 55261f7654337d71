package org.ddpm4j.util;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A text progress bar with rate and ETA. On a terminal it redraws one line; elsewhere (logs, CI) it prints
 * a line at most every few seconds, plus the final one.
 */
public final class ProgressBar {

    private final PrintStream err;
    private final String label;
    private final String unit;
    private final boolean terminal;
    private final java.util.function.LongSupplier clock;
    private final long startNanos;
    private long lastPrint;
    private long before = -1; // units done before this bar's first update (a resumed run's earlier steps)

    public ProgressBar(PrintStream err, String label, String unit) {
        this(err, label, unit, System::nanoTime);
    }

    /** A bar timed by {@code clock} (nanoseconds; replaceable in tests). */
    ProgressBar(PrintStream err, String label, String unit, java.util.function.LongSupplier clock) {
        this.clock = clock;
        this.startNanos = clock.getAsLong();
        this.err = err;
        this.label = label;
        this.unit = unit;
        this.terminal = err == System.err && System.console() != null;
    }

    /** Shows {@code done} of {@code total}; the rate and ETA count only the units done since the first update. */
    public void update(long done, long total, String extra) {
        long now = clock.getAsLong();
        if (before < 0) {
            before = Math.max(0, done - 1);
        }
        if (total <= 0) {
            if (now - lastPrint >= 5_000_000_000L || done == 1) {
                lastPrint = now;
                err.println(String.format(Locale.ROOT, "%s %d | measuring speed to fix the step count%s", label, done,
                        extra == null || extra.isEmpty() ? "" : " | " + extra));
            }
            return;
        }
        boolean last = done >= total;
        long minGap = terminal ? 100_000_000L : 5_000_000_000L;
        if (!last && done != 1 && now - lastPrint < minGap) {
            return;
        }
        lastPrint = now;
        double secs = (now - startNanos) / 1e9;
        double rate = (done - before) / Math.max(secs, 1e-9);
        double eta = rate > 0 ? (total - done) / rate : 0;
        int width = 24;
        int filled = (int) Math.min(width, Math.round(width * (double) done / Math.max(total, 1)));
        String bar = "#".repeat(filled) + ".".repeat(width - filled);
        String line = String.format(Locale.ROOT, "%s [%s] %3d%% %d/%d | %.1f %s/s | %s %s%s",
                label, bar, (int) (100 * done / Math.max(total, 1)), done, total, rate, unit,
                last ? "took" : "ETA", clock(last ? secs : eta), extra == null || extra.isEmpty() ? "" : " | " + extra);
        if (terminal) {
            err.print("\r" + line + (last ? "\n" : ""));
        } else {
            err.println(line);
        }
        err.flush();
    }

    public static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
