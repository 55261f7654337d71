package org.ddpm4j.checkpoint;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.ddpm4j.DdpmException;
import org.ddpm4j.util.AtomicFiles;
import org.ddpm4j.util.Json;

/**
 * The tuned time points of a run, {@code RUN/schedules.json}: per sampler and step count, the K timesteps a
 * search found best for this run and how it scored them. A file of its own, so tuning never rewrites the
 * checkpoint; written atomically, one entry replaced at a time.
 */
public final class TunedSchedules {

    /** The file in a run directory. */
    public static final String FILE = "schedules.json";

    /**
     * One tuned schedule.
     *
     * @param timesteps the K time points, strictly decreasing
     * @param baseline the spacing it was compared against ({@code trailing} and so on)
     * @param fidBaseline the meter's domain FID of the baseline on the tuning seeds
     * @param fidTuned the same for the tuned time points
     * @param tuningSeed the seed of the images the search scored
     * @param tuningImages how many images each candidate was scored on
     * @param meter the meter version
     * @param evaluations the candidates scored
     */
    public record Entry(int[] timesteps, String baseline, double fidBaseline, double fidTuned, long tuningSeed, int tuningImages,
            int meter, int evaluations) {

        JsonObject toJson() {
            JsonObject o = new JsonObject();
            JsonArray ts = new JsonArray();
            for (int t : timesteps) {
                ts.add(t);
            }
            o.add("timesteps", ts);
            o.addProperty("baseline", baseline);
            o.addProperty("fid_baseline", fidBaseline);
            o.addProperty("fid_tuned", fidTuned);
            o.addProperty("tuning_seed", tuningSeed);
            o.addProperty("tuning_images", tuningImages);
            o.addProperty("meter", meter);
            o.addProperty("evaluations", evaluations);
            return o;
        }

        static Entry fromJson(JsonObject o) {
            JsonArray a = o.getAsJsonArray("timesteps");
            int[] ts = new int[a.size()];
            for (int i = 0; i < ts.length; i++) {
                ts[i] = a.get(i).getAsInt();
            }
            return new Entry(ts, o.get("baseline").getAsString(), o.get("fid_baseline").getAsDouble(), o.get("fid_tuned").getAsDouble(),
                    o.get("tuning_seed").getAsLong(), o.get("tuning_images").getAsInt(), o.get("meter").getAsInt(),
                    o.get("evaluations").getAsInt());
        }
    }

    private TunedSchedules() {}

    /** The key of a sampler and step count: {@code ipndm/10}. */
    public static String key(String sampler, int steps) {
        return sampler.toLowerCase(Locale.ROOT) + "/" + steps;
    }

    /** Every tuned schedule of the run in {@code dir}, by {@link #key}; empty if it has none. */
    public static Map<String, Entry> read(Path dir) {
        Path f = dir.resolve(FILE);
        Map<String, Entry> out = new LinkedHashMap<>();
        if (!Files.isRegularFile(f)) {
            return out;
        }
        try {
            JsonElement e = JsonParser.parseString(Files.readString(f, StandardCharsets.UTF_8));
            for (Map.Entry<String, JsonElement> kv : e.getAsJsonObject().entrySet()) {
                out.put(kv.getKey(), Entry.fromJson(kv.getValue().getAsJsonObject()));
            }
            return out;
        } catch (IOException | RuntimeException ex) {
            throw new DdpmException(f + " is damaged (" + ex.getMessage() + "); delete it to sample with the default time points");
        }
    }

    /** The tuned schedule of {@code sampler} at {@code steps}, if the run has one. */
    public static Optional<Entry> find(Path dir, String sampler, int steps) {
        return Optional.ofNullable(read(dir).get(key(sampler, steps)));
    }

    /** Stores {@code e} for {@code sampler} at its step count, keeping the other entries; atomic. */
    public static void store(Path dir, String sampler, Entry e) {
        Map<String, Entry> all = read(dir);
        all.put(key(sampler, e.timesteps().length), e);
        JsonObject o = new JsonObject();
        all.forEach((k, v) -> o.add(k, v.toJson()));
        AtomicFiles.writeString(dir.resolve(FILE), Json.PRETTY.toJson(o) + "\n");
    }
}
