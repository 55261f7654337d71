package org.ddpm4j.checkpoint;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.ddpm4j.DdpmException;
import org.ddpm4j.util.AtomicFiles;

/**
 * A run's training log, {@code train_log.jsonl}: one JSON line per optimizer step ({@code step}, {@code epoch},
 * {@code loss}, {@code images_per_s}, and every 100 steps {@code rss_mib}). The one writer and reader of that
 * file: the trainer appends, a resume truncates, the loss plot and the studio read. A torn last line (a crash
 * mid-write) is skipped by every reader.
 */
public final class TrainLog {

    private TrainLog() {}

    /** One line of the log. {@code rssMiB} is NaN on lines without it. */
    public record Entry(long step, int epoch, double loss, double imagesPerSecond, double rssMiB) {}

    /** Appends one line for step {@code step}. */
    public static void append(Writer out, Entry e) throws IOException {
        String rss = Double.isNaN(e.rssMiB()) ? "" : String.format(Locale.ROOT, ",\"rss_mib\":%.1f", e.rssMiB());
        out.write(String.format(Locale.ROOT, "{\"step\":%d,\"epoch\":%d,\"loss\":%.6f,\"images_per_s\":%.1f%s}%n",
                e.step(), e.epoch(), e.loss(), e.imagesPerSecond(), rss));
    }

    /** Every well-formed line of the log (none if it does not exist), in file order. */
    public static List<Entry> read(Path log) throws IOException {
        List<Entry> out = new ArrayList<>();
        if (!Files.isRegularFile(log)) {
            return out;
        }
        try (BufferedReader in = Files.newBufferedReader(log, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                Entry e = parse(line);
                if (e != null) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    /** One line, or null for a torn or foreign one. */
    static Entry parse(String line) {
        try {
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            return new Entry(o.get("step").getAsLong(), o.has("epoch") ? o.get("epoch").getAsInt() : 0, o.get("loss").getAsDouble(),
                    o.has("images_per_s") ? o.get("images_per_s").getAsDouble() : Double.NaN,
                    o.has("rss_mib") ? o.get("rss_mib").getAsDouble() : Double.NaN);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Rewrites the log without lines past {@code step} (written after the checkpoint a resume starts from). */
    public static void truncate(Path log, long step) {
        if (!Files.exists(log)) {
            return;
        }
        try {
            StringBuilder kept = new StringBuilder();
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                Entry e = parse(line);
                if (e != null && e.step() <= step) {
                    kept.append(line).append('\n'); // kept byte for byte: a resumed run's log equals an uninterrupted one's
                }
            }
            AtomicFiles.writeString(log, kept.toString());
        } catch (IOException e) {
            throw new DdpmException("cannot read " + log + ": " + AtomicFiles.describe(e));
        }
    }
}
