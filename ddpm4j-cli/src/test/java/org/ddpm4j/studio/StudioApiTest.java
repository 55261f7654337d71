package org.ddpm4j.studio;

import static org.ddpm4j.studio.StudioFixture.events;
import static org.ddpm4j.studio.StudioFixture.get;
import static org.ddpm4j.studio.StudioFixture.post;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import javax.imageio.ImageIO;
import org.ddpm4j.cli.Main;
import org.ddpm4j.image.Images;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The studio's HTTP API: validation, streaming, the copied command, cancelling, the bounded queue. */
class StudioApiTest {

    static StudioServer server;
    static String base;
    static Path runs;

    @BeforeAll
    static void start() throws IOException {
        runs = StudioFixture.runs();
        server = StudioFixture.server(runs.toString(), 2);
        base = server.start("127.0.0.1", 0).replaceAll("/\\?token=.*$", "").replaceAll("/$", "");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void listsRunsWithConfigCurveAndDefaults() throws Exception {
        JsonObject list = get(base, "/api/runs").json();
        assertEquals(3, list.getAsJsonArray("runs").size());
        JsonObject cond = get(base, "/api/runs/cond").json();
        assertTrue(cond.get("conditional").getAsBoolean());
        assertEquals(2, cond.get("classes").getAsInt());
        assertEquals(8, cond.get("size").getAsInt());
        assertEquals(3, cond.getAsJsonArray("curve").size(), "one point per logged step");
        assertEquals("ddim", cond.getAsJsonObject("defaults").get("sampler").getAsString());
        assertFalse(get(base, "/api/runs/plain").json().get("conditional").getAsBoolean());
        assertTrue(get(base, "/").body().contains("ddpm4j studio"), "the page is served");
        assertTrue(get(base, "/studio.js").body().contains("EventSource"));
    }

    @Test
    void runsAreChosenByNameOnlySoPathsCannotEscape() throws Exception {
        for (String bad : List.of("..", "..%2F..%2Fetc%2Fpasswd", "%2Fetc", "cond%2F..%2F..", ".cond", "nope")) {
            StudioFixture.Response r = get(base, "/api/runs/" + bad);
            assertEquals(404, r.status(), bad + ": " + r.body());
            assertTrue(r.error().startsWith("no run named"), r.body());
        }
        for (String bad : List.of("\"../cond\"", "\"/etc/passwd\"", "\"cond/../plain\"", "\"" + runs.resolve("cond") + "\"")) {
            StudioFixture.Response r = post(base, "/api/generate", "{\"run\": " + bad + "}");
            assertEquals(404, r.status(), bad + ": " + r.body());
        }
        StudioFixture.Response up = get(base, "/../../etc/passwd");
        assertTrue(up.status() == 400 || up.status() == 404, "refused: " + up.status());
        assertFalse(up.body().contains("root:"));
        assertEquals(400, get(base, "/api/runs/cond%00").status(), "Jetty refuses a NUL in the path");
    }

    @Test
    void everyLimitIsCheckedWithAOneLineMessage() throws Exception {
        String[][] cases = {
            {"{\"run\": \"cond\", \"steps\": 0}", "steps must be a whole number in 1..1000, got 0"},
            {"{\"run\": \"cond\", \"steps\": 5000}", "steps must be a whole number in 1..1000"},
            {"{\"run\": \"cond\", \"steps\": 2.5}", "steps must be a whole number"},
            {"{\"run\": \"cond\", \"steps\": \"many\"}", "steps must be a number, got 'many'"},
            {"{\"run\": \"cond\", \"count\": 65}", "count must be a whole number in 1..64"},
            {"{\"run\": \"cond\", \"seed\": -1}", "seed must be a whole number in 0..9007199254740991"},
            {"{\"run\": \"cond\", \"class\": \"1\", \"guidance\": 21}", "guidance must be in 0..20"},
            {"{\"run\": \"cond\", \"class\": \"1\", \"guidance\": -0.5}", "guidance must be in 0..20"},
            {"{\"run\": \"cond\", \"class\": \"7\"}", "unknown class 7 (this run knows classes 0..1)"},
            {"{\"run\": \"plain\", \"class\": \"1\"}", "this run is not class-conditional"},
            {"{\"run\": \"cond\", \"sampler\": \"euler\"}", "unknown sampler 'euler'"},
            {"{\"steps\": 3}", "choose a run"},
            {"[1, 2]", "the request body must be a JSON object"},
            {"{\"run\": ", "the request body is not valid JSON"},
        };
        for (String[] c : cases) {
            StudioFixture.Response r = post(base, "/api/generate", c[0]);
            assertEquals(400, r.status(), c[0] + " -> " + r.body());
            assertTrue(r.error().contains(c[1]), c[0] + " -> " + r.error());
            assertFalse(r.error().contains("\n") || r.error().contains("Exception"), r.error());
        }
        String img8 = dataUrl(new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY));
        String img9 = dataUrl(new BufferedImage(9, 9, BufferedImage.TYPE_BYTE_GRAY));
        String[][] inpaint = {
            {"{\"run\": \"cond\", \"image\": \"" + img9 + "\", \"mask\": \"" + img8 + "\"}", "the image is 9x9 but the run makes 8x8 images"},
            {"{\"run\": \"cond\", \"image\": \"" + img8 + "\", \"mask\": \"" + img9 + "\"}", "the mask is 9x9"},
            {"{\"run\": \"cond\", \"image\": \"data:image/png;base64,AAAA\", \"mask\": \"" + img8 + "\"}", "the image: not a readable image"},
            {"{\"run\": \"cond\", \"image\": \"http://example.com/x.png\", \"mask\": \"" + img8 + "\"}", "must be a data:image"},
            {"{\"run\": \"cond\", \"image\": \"data:image/png;base64,!!!\", \"mask\": \"" + img8 + "\"}", "not valid base64"},
            {"{\"run\": \"cond\", \"mask\": \"" + img8 + "\"}", "the image is missing"},
            {"{\"run\": \"cond\", \"image\": \"" + img8 + "\", \"mask\": \"" + img8 + "\", \"sampler\": \"dpm++\"}", "dpm++ cannot resample"},
            {"{\"run\": \"cond\", \"image\": \"" + img8 + "\", \"mask\": \"" + img8 + "\", \"resample\": 11}", "resample must be a whole number in 1..10"},
            {"{\"run\": \"cond\", \"image\": \"" + img8 + "\", \"mask\": \"" + img8 + "\", \"count\": 17}", "count must be a whole number in 1..16"},
            {"{\"run\": \"cond\", \"image\": \"data:image/png;base64," + "A".repeat(1_500_000) + "\", \"mask\": \"" + img8 + "\"}",
                "the image is larger than 1024 KiB"},
        };
        for (String[] c : inpaint) {
            StudioFixture.Response r = post(base, "/api/inpaint", c[0]);
            assertEquals(400, r.status(), r.body());
            assertTrue(r.error().contains(c[1]), c[1] + " -> " + r.error());
        }
        // a picture whose header claims 100000 x 100000 pixels is refused before decoding
        byte[] png = Images.pngBytes(new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY));
        java.nio.ByteBuffer.wrap(png).putInt(16, 100_000).putInt(20, 100_000);
        String lying = "data:image/png;base64," + Base64.getEncoder().encodeToString(png);
        StudioFixture.Response r = post(base, "/api/inpaint", "{\"run\": \"cond\", \"image\": \"" + lying + "\", \"mask\": \"" + img8 + "\"}");
        assertEquals(400, r.status());
        assertTrue(r.error().contains("header claims a 100000x100000 image"), r.error());
    }

    @Test
    void generationStreamsFramesThenTheSameImagesAsTheCopiedCommand(@TempDir Path tmp) throws Exception {
        StudioFixture.Response r = post(base, "/api/generate",
                "{\"run\": \"cond\", \"class\": \"1\", \"guidance\": 2, \"sampler\": \"dpm++\", \"steps\": 6, \"seed\": 42, \"count\": 5}");
        assertEquals(202, r.status(), r.body());
        String job = r.json().get("job").getAsString();
        String command = r.json().get("command").getAsString();
        assertEquals("./ddpm sample --run " + runs.resolve("cond") + " --n 5 --seed 42 --sampler dpm++ --steps 6 --class 1 --guidance 2"
                + " --out samples/cond", command);
        List<StudioFixture.Event> ev = events(base, job, e -> {});
        List<String> types = ev.stream().map(StudioFixture.Event::type).toList();
        assertEquals("queued", types.get(0));
        assertEquals(List.of("frame", "frame", "frame", "frame", "frame", "frame"), types.subList(1, 7), "every step of 6 streamed");
        assertEquals("done", types.get(7));
        assertEquals("trailing", ev.get(7).data().get("time_points").getAsString(), "no tuned schedule in this run");
        assertEquals(6, ev.get(6).data().get("step").getAsInt());
        assertTrue(ev.get(1).data().get("xt").getAsString().startsWith("data:image/png;base64,"));

        HttpResponse<byte[]> png = StudioFixture.HTTP.send(StudioFixture.request(base + "/api/jobs/" + job + "/result.png").build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, png.statusCode());
        assertEquals("image/png", png.headers().firstValue("Content-Type").orElse(""));
        // the copied command line, run by the CLI, writes the very same grid
        String[] args = command.replace("samples/cond", tmp.resolve("out").toString()).replaceFirst("^\\./ddpm ", "").split(" ");
        assertEquals(0, Main.run(new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()), args));
        assertArrayEquals(Files.readAllBytes(tmp.resolve("out/grid.png")), png.body());
        assertEquals("done", get(base, "/api/jobs/" + job).json().get("state").getAsString());
    }

    @Test
    void inpaintingStreamsAndReturnsAPanel() throws Exception {
        BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        BufferedImage mask = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 4; x++) {
                mask.getRaster().setSample(x, y, 0, 255); // regenerate the left half
            }
        }
        StudioFixture.Response r = post(base, "/api/inpaint", "{\"run\": \"plain\", \"image\": \"" + dataUrl(img) + "\", \"mask\": \""
                + dataUrl(mask) + "\", \"count\": 3, \"steps\": 5, \"resample\": 2}");
        assertEquals(202, r.status(), r.body());
        List<StudioFixture.Event> ev = events(base, r.json().get("job").getAsString(), e -> {});
        assertEquals(List.of("queued", "frame", "frame", "frame", "frame", "frame", "done"), ev.stream().map(StudioFixture.Event::type).toList());
        BufferedImage grid = ImageIO.read(new java.io.ByteArrayInputStream(
                Base64.getDecoder().decode(ev.get(6).data().get("grid").getAsString().split(",")[1])));
        assertTrue(grid.getWidth() >= 2 * 8 * 2 && grid.getHeight() >= 2 * 8 * 2, "three completions in a 2 x 2 grid");
    }

    @Test
    void cancellingStopsTheRunningWorkAndAWaitingJob() throws Exception {
        String longJob = "{\"run\": \"cond\", \"sampler\": \"ddpm\", \"steps\": 1000, \"count\": 64}";
        StudioFixture.awaitIdle(base);
        String running = post(base, "/api/generate", longJob).json().get("job").getAsString();
        StudioFixture.awaitStarted(base, running);
        String waiting = post(base, "/api/generate", longJob).json().get("job").getAsString();
        assertEquals("cancelled", post(base, "/api/jobs/" + waiting + "/cancel", "").json().get("state").getAsString(),
                "a waiting job is cancelled at once");
        AtomicReference<String> cancelled = new AtomicReference<>();
        List<StudioFixture.Event> ev = events(base, running, e -> {
            if (e.type().equals("frame") && cancelled.get() == null) {
                try {
                    cancelled.set(post(base, "/api/jobs/" + running + "/cancel", "").body());
                } catch (Exception ex) {
                    throw new RuntimeException(ex);
                }
            }
        });
        assertEquals("cancelled", ev.get(ev.size() - 1).type(), ev.toString());
        JsonObject state = get(base, "/api/jobs/" + running).json();
        assertEquals("cancelled", state.get("state").getAsString());
        assertTrue(state.get("steps_done").getAsInt() < 1000, "the work stopped early: " + state);
        assertEquals(404, get(base, "/api/jobs/" + running + "/result.png").status(), "no result for a cancelled job");
        assertEquals(404, post(base, "/api/jobs/nosuchjob/cancel", "").status());
        // the worker is free again
        String next = post(base, "/api/generate", "{\"run\": \"cond\", \"steps\": 2, \"count\": 1}").json().get("job").getAsString();
        assertEquals("done", last(events(base, next, e -> {})).type());
    }

    @Test
    void overTheQueueLimitRequestsGet429AndTheServerStaysResponsive() throws Exception {
        String longJob = "{\"run\": \"cond\", \"sampler\": \"ddpm\", \"steps\": 1000, \"count\": 64}";
        List<String> accepted = new ArrayList<>();
        int refused = 0;
        StudioFixture.awaitIdle(base);
        for (int i = 0; i < 6; i++) {
            StudioFixture.Response r = post(base, "/api/generate", longJob);
            if (r.status() == 202) {
                accepted.add(r.json().get("job").getAsString());
                if (accepted.size() == 1) {
                    StudioFixture.awaitStarted(base, accepted.get(0)); // the worker holds it: the queue is empty again
                }
            } else {
                assertEquals(429, r.status(), r.body());
                assertTrue(r.error().startsWith("the studio is busy"), r.error());
                refused++;
            }
        }
        assertEquals(3, accepted.size(), "one running and two waiting (capacity 2)");
        assertEquals(3, refused);
        // while the first job runs, other requests are answered
        assertEquals(200, get(base, "/api/health").status());
        assertEquals(200, get(base, "/api/runs").status());
        assertEquals("running", get(base, "/api/jobs/" + accepted.get(0)).json().get("state").getAsString(),
                "answered while the generation was still running");
        for (String id : accepted) {
            post(base, "/api/jobs/" + id + "/cancel", "");
        }
        for (String id : accepted) {
            assertEquals("cancelled", last(events(base, id, e -> {})).type());
        }
    }

    @Test
    void concurrentRequestsEachCompleteOrAreRefused() throws Exception {
        int n = 12;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int seed = i;
                results.add(pool.submit(() -> {
                    StudioFixture.Response r = post(base, "/api/generate", "{\"run\": \"plain\", \"steps\": 3, \"count\": 2, \"seed\": " + seed + "}");
                    if (r.status() == 429) {
                        return "refused";
                    }
                    assertEquals(202, r.status(), r.body());
                    return last(events(base, r.json().get("job").getAsString(), e -> {})).type();
                }));
            }
            int done = 0;
            for (Future<String> f : results) {
                String outcome = f.get();
                assertTrue(outcome.equals("done") || outcome.equals("refused"), outcome);
                done += outcome.equals("done") ? 1 : 0;
            }
            assertTrue(done >= 3, "at least the running job and the queue's capacity complete: " + done);
        } finally {
            pool.shutdownNow();
        }
        JsonObject q = get(base, "/api/health").json().getAsJsonObject("queue");
        assertEquals(0, q.get("waiting").getAsInt());
    }

    static StudioFixture.Event last(List<StudioFixture.Event> ev) {
        return ev.get(ev.size() - 1);
    }

    static String dataUrl(BufferedImage img) {
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(Images.pngBytes(img));
    }
}
