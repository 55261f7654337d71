package org.ddpm4j.studio;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;
import io.javalin.util.JavalinBindException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ddpm4j.DdpmException;
import org.ddpm4j.checkpoint.Run;
import org.ddpm4j.api.Defaults;
import org.ddpm4j.model.ModelConfig;
import org.ddpm4j.util.Json;

/**
 * ddpm4j studio: a local web server over a runs directory. The page (plain HTML and JavaScript from the
 * classpath, nothing from the network) picks a run, generates or inpaints, and watches each request's
 * frames arrive over server-sent events. Work goes through a bounded {@link JobQueue}.
 *
 * <pre>
 * GET  /api/health                queue figures
 * GET  /api/runs                  the runs, with their configs
 * GET  /api/runs/{name}           one run: config, defaults and training curve
 * POST /api/generate              {run, class, sampler, steps, guidance, seed, count} -> 202 {job, events, command} | 400 | 404 | 429
 * POST /api/inpaint               {run, image, mask, count, sampler, steps, resample, seed, class, guidance} -> 202 | 400 | 404 | 429
 * GET  /api/jobs/{id}             state and progress
 * GET  /api/jobs/{id}/events      text/event-stream: queued, frame..., then done | cancelled | error
 * POST /api/jobs/{id}/cancel      stops the job at its next network call
 * GET  /api/jobs/{id}/result.png  the final grid (inpainting: input, mask and completions)
 * </pre>
 */
public final class StudioServer implements AutoCloseable {

    /** Points of the training curve sent to the page. */
    static final int CURVE_POINTS = 400;

    private final RunCatalog catalog;
    private final String runsDisplay;
    private final Limits limits;
    private final JobQueue queue;
    private final Worker worker;
    private final Javalin app;

    /** Event streams open at once, by default; past the cap a stream is answered 503. */
    public static final int DEFAULT_MAX_STREAMS = 32;
    /** Request bodies read at once; past it a request is answered 503, so slow uploads cannot hold every thread. */
    static final int MAX_BODY_READERS = 16;
    /** A connection with nothing sent or received for this long is closed (above the streams' 10 s keep-alive). */
    static final int IDLE_TIMEOUT_MS = 30_000;

    private final Access access;
    private final int maxStreams;
    private final java.util.concurrent.atomic.AtomicInteger streams = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.Semaphore bodyReaders = new java.util.concurrent.Semaphore(MAX_BODY_READERS);
    private final String runsAbsolute;

    /**
     * @param runsDir the runs directory
     * @param runsDisplay the runs directory as the user named it (for copied command lines)
     * @param access who may use the server (token and Host allow-list)
     * @param maxStreams event streams open at once
     */
    public StudioServer(Path runsDir, String runsDisplay, Limits limits, Access access, int maxStreams) {
        this(runsDir, runsDisplay, limits, access, maxStreams, org.ddpm4j.api.ComputeDevice.CPU);
    }

    /** As above, with the networks on {@code device} (checked by the caller). */
    public StudioServer(Path runsDir, String runsDisplay, Limits limits, Access access, int maxStreams, org.ddpm4j.api.ComputeDevice device) {
        this.worker = new Worker(device);
        this.catalog = new RunCatalog(runsDir);
        this.runsDisplay = runsDisplay;
        this.runsAbsolute = runsDir.toAbsolutePath().normalize().toString();
        this.limits = limits;
        this.access = access;
        this.maxStreams = maxStreams;
        this.queue = new JobQueue(limits.queueCapacity());
        this.app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.http.maxRequestSize = maxBodyBytes(limits);
            config.jetty.threadPool = new org.eclipse.jetty.util.thread.QueuedThreadPool(maxStreams + MAX_BODY_READERS + 32, 4, 60_000);
            config.staticFiles.add(sf -> {
                sf.hostedPath = "/";
                sf.directory = "/studio";
                sf.location = Location.CLASSPATH;
            });
        });
        routes();
    }

    /** A request body's limit: two pictures as base64 data URLs and the small fields. */
    static long maxBodyBytes(Limits limits) {
        return 4L * limits.maxUploadBytes();
    }

    /** Starts listening; port 0 picks a free port. Returns the page's URL. */
    public String start(String host, int port) {
        try {
            app.start(host, port);
        } catch (JavalinBindException e) {
            throw new DdpmException("cannot listen on " + host + ":" + port + " (" + firstLine(e.getMessage()) + ")");
        } catch (RuntimeException e) {
            if (e.getCause() instanceof IOException io) {
                throw new DdpmException("cannot listen on " + host + ":" + port + " (" + firstLine(io.getMessage()) + ")");
            }
            throw e;
        }
        for (org.eclipse.jetty.server.Connector c : app.jettyServer().server().getConnectors()) {
            if (c instanceof org.eclipse.jetty.server.AbstractConnector ac) {
                ac.setIdleTimeout(IDLE_TIMEOUT_MS);
            }
        }
        String h = Access.isWildcard(host) ? "127.0.0.1" : host.contains(":") ? "[" + host + "]" : host;
        return "http://" + h + ":" + app.port() + "/" + (access.token() == null ? "" : "?token=" + access.token());
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        queue.close();
        app.stop();
        worker.close();
    }

    private void routes() {
        app.before(this::guard);
        app.get("/api/health", ctx -> json(ctx, 200, health()));
        app.get("/api/runs", ctx -> {
            JsonArray runs = new JsonArray();
            List<String> listed = catalog.names();
            for (String name : listed) {
                runs.add(summary(name, listed));
            }
            JsonObject o = new JsonObject();
            o.add("runs", runs);
            o.addProperty("runs_dir", runsDisplay);
            json(ctx, 200, o);
        });
        app.get("/api/runs/<name>", ctx -> { // <name>: run names may hold slashes (quality/unet-30m)
            String name = ctx.pathParam("name");
            List<String> listed = catalog.names();
            Run r = catalog.get(name, listed);
            JsonObject o = summary(name, listed);
            o.add("curve", curve(r.dir()));
            json(ctx, 200, o);
        });
        app.post("/api/generate", ctx -> {
            JsonObject o = body(ctx);
            String name = Requests.runField(o);
            Run r = catalog.get(name);
            Requests.Generate g = Requests.generate(o, r, name, limits);
            Job job = queue.submit("generate", name, j -> worker.generate(j, r, g));
            JsonObject resp = accepted(job);
            resp.addProperty("command", g.command(runsDisplay, r.classNames()));
            json(ctx, 202, resp);
        });
        app.post("/api/inpaint", ctx -> {
            JsonObject o = body(ctx);
            String name = Requests.runField(o);
            Run r = catalog.get(name);
            Requests.Inpaint in = Requests.inpaint(o, r, name, limits);
            Job job = queue.submit("inpaint", name, j -> worker.inpaint(j, r, in));
            json(ctx, 202, accepted(job));
        });
        app.get("/api/jobs/{id}", ctx -> json(ctx, 200, queue.get(ctx.pathParam("id")).describe()));
        app.post("/api/jobs/{id}/cancel", ctx -> json(ctx, 200, queue.cancel(ctx.pathParam("id")).describe()));
        app.get("/api/jobs/{id}/result.png", ctx -> {
            Job job = queue.get(ctx.pathParam("id"));
            byte[] png = job.result();
            if (png == null) {
                throw new RunCatalog.NotFound("job " + job.id + " has no result (it is " + job.describe().get("state").getAsString() + ")");
            }
            ctx.contentType("image/png");
            ctx.header("Content-Disposition", "attachment; filename=\"ddpm4j-" + job.run.replace('/', '-') + "-" + job.kind + "-" + job.id + ".png\"");
            ctx.result(png);
        });
        app.get("/api/jobs/{id}/events", this::events);

        app.exception(DdpmException.class, (e, ctx) -> error(ctx, 400, e.getMessage()));
        app.exception(RunCatalog.NotFound.class, (e, ctx) -> error(ctx, 404, e.getMessage()));
        app.exception(JobQueue.Busy.class, (e, ctx) -> error(ctx, 429, e.getMessage()));
        app.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(), e.getMessage()));
        app.exception(Exception.class, (e, ctx) -> error(ctx, 500, "unexpected " + e.getClass().getSimpleName() + ": " + firstLine(e.getMessage())));
        app.error(404, ctx -> {
            if (ctx.result() == null || ctx.result().isEmpty()) {
                error(ctx, 404, "not found: " + RunCatalog.abbreviate(ctx.path()));
            }
        });
    }

    /** Streams a job's events as server-sent events, from the first (or after Last-Event-ID) to its end. */
    private void events(Context ctx) throws IOException, InterruptedException {
        Job job = queue.get(ctx.pathParam("id"));
        if (streams.incrementAndGet() > maxStreams) {
            streams.decrementAndGet();
            throw new HttpResponseException(503, maxStreams + " event streams are open already; close one or try again later");
        }
        try {
            stream(ctx, job);
        } finally {
            streams.decrementAndGet();
        }
    }

    private void stream(Context ctx, Job job) throws IOException, InterruptedException {
        int next = 0;
        String last = ctx.header("Last-Event-ID");
        if (last != null) {
            try {
                next = Integer.parseInt(last.trim()) + 1;
            } catch (NumberFormatException ignored) {
                next = 0;
            }
        }
        HttpServletResponse res = ctx.res();
        res.setStatus(200);
        res.setContentType("text/event-stream");
        res.setCharacterEncoding("UTF-8");
        res.setHeader("Cache-Control", "no-cache");
        ServletOutputStream out = res.getOutputStream();
        out.write("retry: 1000\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
        while (true) {
            Job.Event e = job.await(next, 10_000);
            if (e == null) {
                if (job.finished() && next >= job.eventCount()) {
                    return;
                }
                out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8)); // also notices a closed connection
                out.flush();
                continue;
            }
            String msg = "id: " + e.id() + "\nevent: " + e.type() + "\ndata: " + e.json() + "\n\n";
            out.write(msg.getBytes(StandardCharsets.UTF_8));
            out.flush();
            next++;
            if (e.type().equals("done") || e.type().equals("cancelled") || e.type().equals("error")) {
                return;
            }
        }
    }

    private JsonObject health() {
        JsonObject o = new JsonObject();
        o.addProperty("ok", true);
        o.add("queue", queue.describe());
        o.addProperty("event_streams", streams.get());
        Runtime rt = Runtime.getRuntime();
        o.addProperty("heap_used_mib", (rt.totalMemory() - rt.freeMemory()) / (1024.0 * 1024));
        return o;
    }

    private JsonObject accepted(Job job) {
        JsonObject resp = job.describe();
        resp.addProperty("events_url", "/api/jobs/" + job.id + "/events");
        return resp;
    }

    /** A run's name, config and the defaults the page starts from; a damaged run says so in "error". */
    private JsonObject summary(String name, List<String> listed) {
        JsonObject o = new JsonObject();
        o.addProperty("name", name);
        try {
            describe(o, catalog.get(name, listed));
        } catch (RuntimeException e) {
            // one damaged run (a broken file, a wrongly typed entry) is listed with its error; the others still load
            JsonObject bad = new JsonObject();
            bad.addProperty("name", name);
            bad.addProperty("error", clean(e instanceof DdpmException || e instanceof RunCatalog.NotFound ? e.getMessage()
                    : "damaged run metadata (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")"));
            return bad;
        }
        return o;
    }

    private void describe(JsonObject o, Run r) {
        ModelConfig mc = r.model();
        o.addProperty("model", mc.type());
        o.addProperty("size", mc.size());
        o.addProperty("channels", mc.channels());
        o.addProperty("conditional", mc.conditional());
        o.addProperty("classes", mc.classes());
        JsonArray names = new JsonArray();
        List<String> cn = r.classNames();
        for (int c = 0; c < mc.classes(); c++) {
            names.add(c < cn.size() ? cn.get(c) : Integer.toString(c));
        }
        o.add("class_names", names);
        o.addProperty("timesteps", r.diffusion().steps());
        o.addProperty("schedule", r.diffusion().schedule().id());
        o.addProperty("prediction", r.diffusion().prediction().id());
        JsonObject state = r.stateSection();
        if (state.has("step")) {
            o.add("trained_steps", state.get("step"));
        }
        o.add("train", r.train().toJson());
        o.add("model_config", Json.GSON.toJsonTree(mc));
        JsonObject d = new JsonObject();
        java.util.Optional<org.ddpm4j.checkpoint.Distilled> student = org.ddpm4j.checkpoint.Distilled.of(r);
        d.addProperty("sampler", student.isPresent() && student.get().consistency() ? org.ddpm4j.api.SamplerKind.CONSISTENCY.id()
                : student.isPresent() ? org.ddpm4j.api.SamplerKind.DDIM.id() : Defaults.sampler(mc).kind().id());
        d.addProperty("steps", Requests.defaultSteps(r));
        d.addProperty("guidance", Requests.defaultGuidance(r));
        if (student.isPresent()) { // the page locks the sampler, and the steps, to what a student was distilled for
            JsonObject st = new JsonObject();
            st.addProperty("method", student.get().method());
            st.addProperty("steps", student.get().steps());
            st.addProperty("min_steps", student.get().consistency() ? 1 : student.get().steps());
            st.addProperty("max_steps", student.get().steps());
            st.addProperty("guidance", student.get().guidance());
            o.add("distilled", st);
        }
        d.addProperty("inpaint_steps", Math.min(Defaults.INPAINT_STEPS, Math.min(limits.maxSteps(), r.diffusion().steps())));
        d.addProperty("inpaint_resample", Math.min(Defaults.INPAINT_RESAMPLE, limits.maxResample()));
        d.addProperty("inpaint_count", Math.min(Defaults.INPAINT_CANDIDATES, limits.maxInpaintCount()));
        o.add("defaults", d);
        JsonObject lim = new JsonObject();
        lim.addProperty("max_steps", Math.min(limits.maxSteps(), r.diffusion().steps()));
        lim.addProperty("max_count", limits.maxCount());
        lim.addProperty("max_guidance", limits.maxGuidance());
        lim.addProperty("max_inpaint_count", limits.maxInpaintCount());
        lim.addProperty("max_resample", limits.maxResample());
        o.add("limits", lim);
    }

    /** The training log's loss as at most {@link #CURVE_POINTS} [step, mean loss] points. */
    static JsonArray curve(Path runDir) {
        List<double[]> pts = new ArrayList<>();
        try {
            for (org.ddpm4j.checkpoint.TrainLog.Entry e : org.ddpm4j.checkpoint.TrainLog.read(runDir.resolve(Run.LOG))) {
                if (Double.isFinite(e.loss())) {
                    pts.add(new double[] {e.step(), e.loss()});
                }
            }
        } catch (IOException e) {
            // no curve rather than no page
        }
        JsonArray out = new JsonArray();
        int bucket = Math.max(1, (int) Math.ceil(pts.size() / (double) CURVE_POINTS));
        for (int i = 0; i < pts.size(); i += bucket) {
            double s = 0;
            int n = 0;
            for (int j = i; j < Math.min(pts.size(), i + bucket); j++, n++) {
                s += pts.get(j)[1];
            }
            JsonArray p = new JsonArray();
            p.add(pts.get(Math.min(pts.size(), i + bucket) - 1)[0]);
            p.add(s / n);
            out.add(p);
        }
        return out;
    }

    /** Fields each request kind accepts; anything else is refused. */
    private static final java.util.Map<String, java.util.Set<String>> FIELDS = java.util.Map.of(
            "/api/generate", java.util.Set.of("run", "class", "sampler", "steps", "guidance", "seed", "count"),
            "/api/inpaint", java.util.Set.of("run", "image", "mask", "count", "sampler", "steps", "resample", "seed", "class", "guidance"));

    /**
     * The request's JSON object, read through a stream bounded by {@link #maxBodyBytes} (whatever the
     * Content-Length says, chunked or not) by at most {@link #MAX_BODY_READERS} requests at once. Only a flat
     * object of the endpoint's fields with string, number, boolean or null values is accepted, so a small body
     * cannot cost more heap than a few times its size.
     */
    private JsonObject body(Context ctx) throws IOException {
        long max = maxBodyBytes(limits);
        long declared = ctx.req().getContentLengthLong();
        if (declared > max) {
            throw new HttpResponseException(413, "the request body is larger than " + max / 1024 + " KiB");
        }
        if (!bodyReaders.tryAcquire()) {
            throw new HttpResponseException(503, "too many requests are sending their bodies at once; try again");
        }
        String text;
        try {
            java.io.InputStream in = ctx.req().getInputStream();
            byte[] buf = in.readNBytes((int) max + 1);
            if (buf.length > max) {
                throw new HttpResponseException(413, "the request body is larger than " + max / 1024 + " KiB");
            }
            text = new String(buf, StandardCharsets.UTF_8);
        } finally {
            bodyReaders.release();
        }
        java.util.Set<String> allowed = FIELDS.getOrDefault(ctx.path(), java.util.Set.of());
        JsonObject o = new JsonObject();
        try (com.google.gson.stream.JsonReader r = new com.google.gson.stream.JsonReader(new java.io.StringReader(text))) {
            r.setStrictness(com.google.gson.Strictness.STRICT);
            if (r.peek() != com.google.gson.stream.JsonToken.BEGIN_OBJECT) {
                throw new DdpmException("the request body must be a JSON object");
            }
            r.beginObject();
            while (r.hasNext()) {
                String name = r.nextName();
                if (!allowed.contains(name)) {
                    throw new DdpmException("unknown field '" + RunCatalog.abbreviate(name) + "' (expected " + String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
                }
                if (o.has(name)) {
                    throw new DdpmException("the field '" + name + "' appears twice");
                }
                switch (r.peek()) {
                    case STRING -> o.addProperty(name, r.nextString());
                    case NUMBER -> o.add(name, new com.google.gson.JsonPrimitive(new java.math.BigDecimal(r.nextString())));
                    case BOOLEAN -> o.addProperty(name, r.nextBoolean());
                    case NULL -> {
                        r.nextNull();
                        o.add(name, com.google.gson.JsonNull.INSTANCE);
                    }
                    default -> throw new DdpmException("the field '" + name + "' must be a string, number, boolean or null");
                }
            }
            r.endObject();
            if (r.peek() != com.google.gson.stream.JsonToken.END_DOCUMENT) {
                throw new DdpmException("the request body must be one JSON object");
            }
        } catch (com.google.gson.stream.MalformedJsonException | java.io.EOFException | IllegalStateException | NumberFormatException e) {
            throw new DdpmException("the request body is not valid JSON");
        }
        return o;
    }

    /**
     * Runs before every request, static files included: security headers; the Host allow-list (against DNS
     * rebinding); the token (from {@code ?token=} once, then the cookie, or a Bearer header); and, for POSTs,
     * a JSON content type and a same-origin Origin (against cross-site requests). Nothing here reads the body.
     */
    private void guard(Context ctx) {
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
                + "connect-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'none'; form-action 'self'");
        ctx.header("Cache-Control", "no-store");
        int port = ctx.req().getLocalPort();
        String host = ctx.header("Host");
        if (!access.hostAllowed(host, port)) {
            throw new HttpResponseException(421, "this studio does not answer to the host name '" + RunCatalog.abbreviate(String.valueOf(host))
                    + "' (start it with --allow-host NAME to add one)");
        }
        String cookie = Access.cookieName(port);
        String fromUrl = ctx.queryParam("token");
        if (fromUrl != null && access.token() != null) {
            if (!access.tokenMatches(fromUrl)) {
                throw new HttpResponseException(401, "wrong token: open the URL that ./ddpm serve printed");
            }
            ctx.cookie(new io.javalin.http.Cookie(cookie, access.token(), "/", -1, false, 0, true, null, null, io.javalin.http.SameSite.STRICT));
            StringBuilder rest = new StringBuilder();
            ctx.queryParamMap().forEach((k, vs) -> {
                if (!k.equals("token")) {
                    for (String v : vs) {
                        rest.append(rest.length() == 0 ? "?" : "&").append(java.net.URLEncoder.encode(k, StandardCharsets.UTF_8))
                                .append('=').append(java.net.URLEncoder.encode(v, StandardCharsets.UTF_8));
                    }
                }
            });
            ctx.redirect(ctx.path() + rest, io.javalin.http.HttpStatus.SEE_OTHER); // drops the token from the address bar and history
            ctx.skipRemainingHandlers();
            return;
        }
        String auth = ctx.header("Authorization");
        String bearer = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : null;
        if (access.token() != null && !access.tokenMatches(ctx.cookie(cookie)) && !access.tokenMatches(bearer)) {
            throw new HttpResponseException(401, "this studio needs its token: open the URL that ./ddpm serve printed (...?token=...),"
                    + " or send Authorization: Bearer TOKEN");
        }
        if (!ctx.method().equals(io.javalin.http.HandlerType.GET) && !ctx.method().equals(io.javalin.http.HandlerType.HEAD)) {
            String origin = ctx.header("Origin");
            if (origin != null && !origin.equalsIgnoreCase("http://" + host.trim())) {
                throw new HttpResponseException(403, "cross-origin request refused (Origin " + RunCatalog.abbreviate(origin) + ")");
            }
            if ("cross-site".equalsIgnoreCase(ctx.header("Sec-Fetch-Site"))) {
                throw new HttpResponseException(403, "cross-site request refused");
            }
            String type = ctx.header("Content-Type");
            if (type == null || !type.toLowerCase(java.util.Locale.ROOT).split(";")[0].trim().equals("application/json")) {
                throw new HttpResponseException(415, "requests that change anything must be sent as Content-Type: application/json");
            }
        }
    }

    private static void json(Context ctx, int status, JsonElement body) {
        ctx.status(status);
        ctx.contentType("application/json");
        ctx.result(body.toString());
    }

    private void error(Context ctx, int status, String message) {
        JsonObject o = new JsonObject();
        // runs are named by their name: the server's absolute paths stay on the server
        o.addProperty("error", clean(message));
        json(ctx, status, o);
    }

    /** A message's first line with the runs directory's absolute path taken out: runs are named by their name. */
    private String clean(String message) {
        return firstLine(message).replace(runsAbsolute + "/", "").replace(runsAbsolute, runsDisplay);
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }
}
