package org.ddpm4j.studio;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.awt.image.BufferedImage;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.ddpm4j.DdpmException;
import org.ddpm4j.checkpoint.Run;
import org.ddpm4j.api.Defaults;
import org.ddpm4j.api.Generation;
import org.ddpm4j.api.Inpainting;
import org.ddpm4j.api.SamplerKind;
import org.ddpm4j.data.ClassChoice;
import org.ddpm4j.image.Images;
import org.ddpm4j.model.ModelConfig;
import org.ddpm4j.sampler.SamplerConfig;

/** The two kinds of studio request, parsed from JSON and checked against {@link Limits} and the run. */
final class Requests {

    private Requests() {}

    /**
     * A generation: what {@code ./ddpm sample --run RUN --n count --seed seed --sampler sampler --steps steps
     * [--class cls --guidance guidance]} would do, and gives the same images.
     */
    record Generate(String run, int cls, String sampler, int steps, double guidance, long seed, int count) {

        /** The request as the library takes it: the images {@code ./ddpm sample} makes for the same settings. */
        Generation request() {
            Generation.Builder b = Generation.builder().count(count).seed(seed).batch(Worker.BATCH).sampler(SamplerKind.of(sampler))
                    .steps(steps).guidance(guidance);
            return (cls >= 0 ? b.classIndex(cls) : b).build();
        }

        /** The equivalent command line; {@code runsDir} is the runs directory as the user named it. */
        String command(String runsDir, List<String> classNames) {
            StringBuilder b = new StringBuilder("./ddpm sample --run ").append(shellQuote(joinPath(runsDir, run)))
                    .append(" --n ").append(count).append(" --seed ").append(seed)
                    .append(" --sampler ").append(sampler).append(" --steps ").append(steps);
            if (cls >= 0) {
                b.append(" --class ").append(shellQuote(ClassChoice.spell(cls, classNames))).append(" --guidance ").append(fmt(guidance));
            }
            return b.append(" --out ").append(shellQuote("samples/" + run)).toString();
        }
    }

    /** An inpainting: keep the dark pixels of {@code mask} from {@code image}, regenerate the light ones. */
    record Inpaint(String run, BufferedImage image, BufferedImage mask, int count, String sampler, int steps, int resample, long seed,
            int cls, double guidance) {

        /** The request as the library takes it. */
        Inpainting request() {
            Inpainting.Builder b = Inpainting.of(image, mask).count(count).sampler(SamplerKind.of(sampler)).steps(steps).resample(resample)
                    .seed(seed).guidance(guidance);
            return (cls >= 0 ? b.classIndex(cls) : b).build();
        }
    }

    /** The steps of a request that names none: a distilled student's own, else the library's default. */
    static int defaultSteps(Run r) {
        return org.ddpm4j.checkpoint.Distilled.of(r).map(org.ddpm4j.checkpoint.Distilled::steps)
                .orElse(Defaults.steps(r.model(), r.diffusion()));
    }

    /** The guidance of a request that names none: 0 for a distilled student (its guidance is built in), else the default. */
    static double defaultGuidance(Run r) {
        return org.ddpm4j.checkpoint.Distilled.of(r).isPresent() ? 0 : Defaults.GUIDANCE;
    }

    static Generate generate(JsonObject o, Run r, String name, Limits limits) {
        ModelConfig mc = r.model();
        int steps = intField(o, "steps", defaultSteps(r), 1, Math.min(limits.maxSteps(), r.diffusion().steps()));
        int count = intField(o, "count", 16, 1, limits.maxCount());
        long seed = longField(o, "seed", 0, 0, Limits.MAX_SEED);
        java.util.Optional<org.ddpm4j.checkpoint.Distilled> student = org.ddpm4j.checkpoint.Distilled.of(r);
        String own = student.isPresent() && student.get().consistency() ? SamplerKind.CONSISTENCY.id() : SamplerKind.DDIM.id();
        String sampler = samplerField(o, student.isPresent() ? own : Defaults.sampler(mc).kind().id(), false);
        if (student.isPresent() && (!student.get().supports(steps) || !sampler.equals(own))) {
            throw new DdpmException("this run was distilled to sample with " + own + " at " + student.get().supported() + " steps, got "
                    + sampler + " at " + steps);
        }
        int cls = classField(o, r);
        double guidance = guidanceField(o, r, cls, limits);
        return new Generate(name, cls, sampler, steps, guidance, seed, count);
    }

    static Inpaint inpaint(JsonObject o, Run r, String name, Limits limits) {
        if (org.ddpm4j.checkpoint.Distilled.of(r).isPresent()) {
            throw new DdpmException("this run was distilled to sample in a few steps; inpainting resamples over many: use its teacher");
        }
        ModelConfig mc = r.model();
        int steps = intField(o, "steps", Math.min(Defaults.INPAINT_STEPS, r.diffusion().steps()), 1,
                Math.min(limits.maxSteps(), r.diffusion().steps()));
        int resample = intField(o, "resample", Math.min(Defaults.INPAINT_RESAMPLE, limits.maxResample()), 1, limits.maxResample());
        int count = intField(o, "count", Math.min(Defaults.INPAINT_CANDIDATES, limits.maxInpaintCount()), 1, limits.maxInpaintCount());
        long seed = longField(o, "seed", 0, 0, Limits.MAX_SEED);
        String sampler = samplerField(o, Defaults.INPAINT_SAMPLER.id(), true);
        int cls = classField(o, r);
        double guidance = guidanceField(o, r, cls, limits);
        BufferedImage img = picture(o, "image", limits);
        BufferedImage mask = picture(o, "mask", limits);
        Images.toTensor(img, mc.channels(), mc.size(), "the image"); // refuses another size or channel count now, not in the queue
        Images.toMask(mask, mc.size());
        return new Inpaint(name, img, mask, count, sampler, steps, resample, seed, cls, guidance);
    }

    // ---- fields

    static String runField(JsonObject o) {
        JsonElement e = o.get("run");
        if (e == null || e.isJsonNull() || !e.isJsonPrimitive()) {
            throw new DdpmException("choose a run");
        }
        return e.getAsString();
    }

    private static int intField(JsonObject o, String key, int dflt, int min, int max) {
        long v = longField(o, key, dflt, min, max);
        return (int) v;
    }

    private static long longField(JsonObject o, String key, long dflt, long min, long max) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull() || (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString() && e.getAsString().isBlank())) {
            return dflt;
        }
        double v = number(e, key);
        if (v != Math.rint(v) || v < min || v > max) {
            throw new DdpmException(key + " must be a whole number in " + min + ".." + max + ", got " + show(e));
        }
        return (long) v;
    }

    private static double number(JsonElement e, String key) {
        if (e.isJsonPrimitive()) {
            JsonPrimitive p = e.getAsJsonPrimitive();
            try {
                double v = p.isNumber() ? p.getAsDouble() : Double.parseDouble(p.getAsString().trim());
                if (Double.isFinite(v)) {
                    return v;
                }
            } catch (NumberFormatException ignored) {
                // the message below says what was expected
            }
        }
        throw new DdpmException(key + " must be a number, got " + show(e));
    }

    private static String show(JsonElement e) {
        String s = e.isJsonPrimitive() && e.getAsJsonPrimitive().isString() ? "'" + e.getAsString() + "'" : e.toString();
        return RunCatalog.abbreviate(s);
    }

    private static String samplerField(JsonObject o, String dflt, boolean inpainting) {
        JsonElement e = o.get("sampler");
        String s = e == null || e.isJsonNull() || !e.isJsonPrimitive() || e.getAsString().isBlank() ? dflt
                : e.getAsString().trim().toLowerCase(Locale.ROOT);
        try {
            SamplerConfig.Kind.parse(s);
        } catch (org.ddpm4j.SettingException ex) {
            throw new DdpmException("unknown sampler '" + RunCatalog.abbreviate(s) + "' (expected " + SamplerConfig.EXPECTED + ")");
        }
        if (inpainting) {
            SamplerConfig.checkResamples(s);
        }
        return s;
    }

    /** The class index asked for, or -1 for none (an unconditional request). */
    private static int classField(JsonObject o, Run r) {
        JsonElement e = o.get("class");
        if (e == null || e.isJsonNull() || (e.isJsonPrimitive() && e.getAsString().isBlank())) {
            return -1;
        }
        ModelConfig mc = r.model();
        String s = e.isJsonPrimitive() ? e.getAsString().trim() : e.toString();
        if (!mc.conditional()) {
            throw new DdpmException("this run is not class-conditional: it cannot draw a chosen class");
        }
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            double v = e.getAsDouble();
            if (v != Math.rint(v)) {
                throw new DdpmException("class must be a class index or name:FOLDER, got " + show(e));
            }
            s = Long.toString((long) v);
        }
        // the page sends the index; a number is always an index, name:X a class folder name (ClassChoice)
        return ClassChoice.index(s, mc.classes(), r.classNames());
    }

    private static double guidanceField(JsonObject o, Run r, int cls, Limits limits) {
        JsonElement e = o.get("guidance");
        if (e == null || e.isJsonNull() || (e.isJsonPrimitive() && e.getAsString().isBlank()) || cls < 0) {
            return defaultGuidance(r);
        }
        double w = number(e, "guidance");
        if (!(w >= 0 && w <= limits.maxGuidance())) {
            throw new DdpmException("guidance must be in 0.." + fmt(limits.maxGuidance()) + ", got " + show(e));
        }
        return w;
    }

    /** A picture sent as a data URL (data:image/png;base64,...), decoded with its size checked first. */
    private static BufferedImage picture(JsonObject o, String key, Limits limits) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull() || !e.isJsonPrimitive()) {
            throw new DdpmException("the " + key + " is missing");
        }
        String s = e.getAsString();
        int comma = s.indexOf(',');
        if (!s.startsWith("data:image/") || comma < 0 || !s.substring(0, comma).endsWith(";base64")) {
            throw new DdpmException("the " + key + " must be a data:image/...;base64 URL");
        }
        if ((long) (s.length() - comma) * 3 / 4 > limits.maxUploadBytes()) {
            throw new DdpmException("the " + key + " is larger than " + limits.maxUploadBytes() / 1024 + " KiB");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(s.substring(comma + 1));
        } catch (IllegalArgumentException ex) {
            throw new DdpmException("the " + key + " is not valid base64");
        }
        return Images.read(bytes, "the " + key, 1L << 20);
    }

    static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    static String joinPath(String dir, String name) {
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }

    static String shellQuote(String s) {
        return s.matches("[A-Za-z0-9._/+=:-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

}
