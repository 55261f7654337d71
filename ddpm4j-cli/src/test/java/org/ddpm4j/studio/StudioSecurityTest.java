package org.ddpm4j.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.ddpm4j.cli.Main;
import org.ddpm4j.data.ClassChoice;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Attacks on a real studio server, each its own test: missing and wrong tokens, DNS rebinding (a foreign
 * Host), cross-site requests, oversized and chunked bodies, heap-heavy JSON, hundreds of event streams and
 * slow uploads, ambiguous class names, damaged runs, framing, and leaked paths.
 */
class StudioSecurityTest {

    static StudioServer server;
    static String base;
    static int port;
    static Path runs;
    static final HttpClient PLAIN = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @BeforeAll
    static void start() throws IOException {
        Path fixture = StudioFixture.runs();
        // a runs directory of its own: the fixture's two runs, a damaged copy, and a numbered-folder run
        runs = Files.createTempDirectory("ddpm4j-security").resolve("runs");
        for (String name : List.of("cond", "plain")) {
            copyRun(fixture.resolve(name), runs.resolve(name));
        }
        server = new StudioServer(runs, runs.toString(), Limits.defaults().withQueueCapacity(4),
                Access.of(StudioFixture.TOKEN, "127.0.0.1", List.of()), StudioServer.DEFAULT_MAX_STREAMS);
        String url = server.start("127.0.0.1", 0);
        base = url.replaceAll("/\\?token=.*$", "");
        port = server.port();
    }

    static void copyRun(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var s = Files.list(from)) {
            for (Path p : s.toList()) {
                if (Files.isRegularFile(p)) {
                    Files.copy(p, to.resolve(p.getFileName()));
                }
            }
        }
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        return PLAIN.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder to(String path) {
        return HttpRequest.newBuilder(URI.create(base + path));
    }

    private static int queued() throws Exception {
        JsonObject q = StudioFixture.get(base, "/api/health").json().getAsJsonObject("queue");
        return q.get("running").getAsInt() + q.get("waiting").getAsInt();
    }

    /** A raw HTTP/1.1 exchange: sends {@code head} (and no body, whatever it declares); returns the status line. */
    private static String rawStatus(String head, int timeoutMs) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(timeoutMs);
            OutputStream out = s.getOutputStream();
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                line.write(c);
            }
            return line.toString(StandardCharsets.ISO_8859_1).trim();
        }
    }

    @Test
    void noTokenIs401() throws Exception {
        HttpResponse<String> r = send(to("/api/runs"));
        assertEquals(401, r.statusCode());
        assertTrue(r.body().contains("needs its token"), r.body());
        assertEquals(401, send(to("/")).statusCode(), "the page too");
        assertEquals(401, send(to("/api/generate").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"run\": \"cond\"}"))).statusCode());
    }

    @Test
    void wrongTokenIs401() throws Exception {
        assertEquals(401, send(to("/api/runs").header("Authorization", "Bearer " + "0".repeat(32))).statusCode());
        assertEquals(401, send(to("/api/runs").header("Cookie", Access.cookieName(port) + "=" + "0".repeat(32))).statusCode());
        assertEquals(401, send(to("/?token=" + "0".repeat(32))).statusCode());
        assertEquals(401, send(to("/api/runs").header("Cookie", Access.cookieName(port + 1) + "=" + StudioFixture.TOKEN)).statusCode(),
                "another port's cookie is not this studio's");
    }

    @Test
    void theTokenedUrlSetsAStrictHttpOnlyCookieAndDropsTheToken() throws Exception {
        HttpResponse<String> r = send(to("/?token=" + StudioFixture.TOKEN + "&run=cond"));
        assertEquals(303, r.statusCode());
        assertEquals("/?run=cond", r.headers().firstValue("Location").orElse(""), "the token leaves the address bar");
        String cookie = r.headers().firstValue("Set-Cookie").orElse("");
        assertTrue(cookie.startsWith(Access.cookieName(port) + "=" + StudioFixture.TOKEN), cookie);
        assertTrue(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), cookie);
        HttpResponse<String> page = send(to("/").header("Cookie", Access.cookieName(port) + "=" + StudioFixture.TOKEN));
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("ddpm4j studio"));
        assertEquals(200, send(to("/api/runs").header("Cookie", Access.cookieName(port) + "=" + StudioFixture.TOKEN)).statusCode());
    }

    @Test
    void aForeignHostIsRefusedBeforeTheBodyIsReadEvenWithTheToken() throws Exception {
        int before = queued();
        // 5 MB declared, 9 bytes sent (Jetty dispatches a request once its first content arrives): only a server
        // that answers without reading the body can reply
        String status = rawStatus("POST /api/generate HTTP/1.1\r\nHost: rebound.example:" + port + "\r\nAuthorization: Bearer "
                + StudioFixture.TOKEN + "\r\nContent-Type: application/json\r\nContent-Length: 5000000\r\n\r\n{\"run\": ", 5000);
        assertTrue(status.startsWith("HTTP/1.1 421"), status);
        assertEquals(before, queued(), "nothing queued");
        String get = rawStatus("GET /api/runs HTTP/1.1\r\nHost: rebound.example\r\nAuthorization: Bearer " + StudioFixture.TOKEN
                + "\r\nConnection: close\r\n\r\n", 5000);
        assertTrue(get.startsWith("HTTP/1.1 421"), get);
        String wrongPort = rawStatus("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:1\r\nAuthorization: Bearer " + StudioFixture.TOKEN
                + "\r\nConnection: close\r\n\r\n", 5000);
        assertTrue(wrongPort.startsWith("HTTP/1.1 421"), wrongPort);
        String ok = rawStatus("GET /api/health HTTP/1.1\r\nHost: localhost:" + port + "\r\nAuthorization: Bearer " + StudioFixture.TOKEN
                + "\r\nConnection: close\r\n\r\n", 5000);
        assertTrue(ok.startsWith("HTTP/1.1 200"), ok);
    }

    @Test
    void crossSiteRequestsAreRefusedAndQueueNothing() throws Exception {
        int before = queued();
        String body = "{\"run\": \"cond\", \"steps\": 1000, \"count\": 64}";
        // what a foreign page can send without a preflight: text/plain, with its own Origin, and the user's cookie
        HttpResponse<String> r = send(to("/api/generate").header("Cookie", Access.cookieName(port) + "=" + StudioFixture.TOKEN)
                .header("Content-Type", "text/plain").header("Origin", "https://evil.example")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertEquals(403, r.statusCode(), r.body());
        HttpResponse<String> plain = send(StudioFixture.request(base + "/api/generate").header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertEquals(415, plain.statusCode(), "a form-encodable content type is refused even from the same origin");
        HttpResponse<String> json = send(StudioFixture.request(base + "/api/generate").header("Content-Type", "application/json")
                .header("Origin", "http://evil.example").POST(HttpRequest.BodyPublishers.ofString(body)));
        assertEquals(403, json.statusCode());
        HttpResponse<String> cancel = send(StudioFixture.request(base + "/api/jobs/x/cancel").header("Origin", "http://evil.example")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertEquals(403, cancel.statusCode());
        assertEquals(before, queued(), "nothing queued");
        assertTrue(send(to("/api/runs").header("Origin", "https://evil.example")).headers().firstValue("Access-Control-Allow-Origin").isEmpty(),
                "no CORS grant");
    }

    @Test
    void aChunkedBodyOverTheLimitIs413() throws Exception {
        byte[] big = new byte[5 << 20];
        java.util.Arrays.fill(big, (byte) ' ');
        // ofInputStream has no length: the client sends it chunked, without a Content-Length
        HttpResponse<String> r = send(StudioFixture.request(base + "/api/generate").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big))));
        assertEquals(413, r.statusCode(), r.body());
    }

    @Test
    void aHeavyJsonArrayIsRefusedWithBoundedHeap() throws Exception {
        StringBuilder b = new StringBuilder("{\"run\": \"cond\", \"count\": [");
        while (b.length() < (4 << 20) - 16) {
            b.append("0,");
        }
        b.append("0]}");
        String body = b.toString();
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] ids = threads.getAllThreadIds();
        long before = 0;
        for (long a : threads.getThreadAllocatedBytes(ids)) {
            before += Math.max(0, a);
        }
        HttpResponse<String> r = send(StudioFixture.request(base + "/api/generate").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        long after = 0;
        for (long a : threads.getThreadAllocatedBytes(ids)) {
            after += Math.max(0, a);
        }
        assertTrue(r.statusCode() == 400 || r.statusCode() == 413, r.statusCode() + " " + r.body());
        assertTrue(r.body().contains("must be a string, number, boolean or null"), r.body());
        long grew = after - before;
        // everything allocated by this test's client and the server's threads together, the 4 MiB body included
        assertTrue(grew < 64L << 20, "allocated " + (grew >> 20) + " MiB for one request");
        assertEquals(400, StudioFixture.post(base, "/api/generate", "{\"run\": \"cond\", \"bogus\": 1}").status(), "unknown fields refused");
        assertEquals(400, StudioFixture.post(base, "/api/generate", "{\"run\": \"cond\", \"run\": \"plain\"}").status(), "duplicates refused");
    }

    /** A job that keeps the worker busy for a while (cancelled by the caller). */
    private static String longJob() throws Exception {
        StudioFixture.Response r = StudioFixture.post(base, "/api/generate", "{\"run\": \"plain\", \"steps\": 1000, \"count\": 64}");
        assertEquals(202, r.status(), r.body());
        return r.json().get("job").getAsString();
    }

    @Test
    void eventStreamsPastTheCapAre503WhileHealthAndCancelAnswer() throws Exception {
        StudioFixture.awaitIdle(base);
        String job = longJob();
        HttpClient many = HttpClient.newHttpClient();
        List<CompletableFuture<HttpResponse<InputStream>>> open = new ArrayList<>();
        try {
            for (int i = 0; i < 300; i++) {
                open.add(many.sendAsync(StudioFixture.request(base + "/api/jobs/" + job + "/events").build(), HttpResponse.BodyHandlers.ofInputStream()));
            }
            int ok = 0;
            int refused = 0;
            for (CompletableFuture<HttpResponse<InputStream>> f : open) {
                int status = f.get(60, TimeUnit.SECONDS).statusCode();
                ok += status == 200 ? 1 : 0;
                refused += status == 503 ? 1 : 0;
            }
            assertEquals(300, ok + refused);
            assertTrue(ok <= StudioServer.DEFAULT_MAX_STREAMS, ok + " streams open");
            assertTrue(refused >= 300 - StudioServer.DEFAULT_MAX_STREAMS, refused + " refused");
            long t0 = System.nanoTime();
            assertEquals(200, StudioFixture.get(base, "/api/health").status());
            assertEquals(200, StudioFixture.post(base, "/api/jobs/" + job + "/cancel", "{}").status());
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "health and cancel answer within 5 s");
        } finally {
            StudioFixture.post(base, "/api/jobs/" + job + "/cancel", "{}");
            for (CompletableFuture<HttpResponse<InputStream>> f : open) {
                f.thenAccept(r -> {
                    try {
                        r.body().close();
                    } catch (IOException ignored) {
                        // closing
                    }
                });
            }
            StudioFixture.awaitIdle(base);
        }
    }

    @Test
    void slowUploadsDoNotStarveHealth() throws Exception {
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 300; i++) {
                Socket s = new Socket("127.0.0.1", port);
                s.getOutputStream().write(("POST /api/generate HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAuthorization: Bearer " + StudioFixture.TOKEN
                        + "\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"run\": ").getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
                slow.add(s);
            }
            long t0 = System.nanoTime();
            assertEquals(200, StudioFixture.get(base, "/api/health").status());
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "health answers within 5 s");
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
    }

    @Test
    void classesAreChosenByIndexAndTheCopiedCommandNamesTheSameClass() throws Exception {
        // folders 0..11 sort as text (0, 1, 10, 11, 2, ...): index 2 is the folder "10"
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            names.add(Integer.toString(i));
        }
        names.sort(null);
        assertEquals("10", names.get(2));
        assertEquals(2, ClassChoice.index("2", 12, names), "a number is an index");
        assertEquals(2, ClassChoice.index("name:10", 12, names), "name:X is a folder name");
        assertEquals(10, ClassChoice.index("10", 12, names));
        assertEquals("name:10", ClassChoice.spell(2, names));
        assertEquals(2, ClassChoice.index(ClassChoice.spell(2, names), 12, names), "the spelling reads back as the same class");
        List<String> shapes = List.of("circle", "square");
        assertEquals("square", ClassChoice.spell(1, shapes));
        assertEquals(1, ClassChoice.index("square", 2, shapes));
        assertEquals("name:all", ClassChoice.spell(0, List.of("all")));

        // a real folder run with classes 1, 2, 3: the page sends index 0, which is the folder "1"
        Path folder = Files.createTempDirectory("ddpm4j-numbered");
        for (String c : List.of("1", "2", "3")) {
            Path d = Files.createDirectories(folder.resolve(c));
            for (int i = 0; i < 2; i++) {
                java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(8, 8, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
                img.getRaster().setSample(i, Integer.parseInt(c), 0, 255);
                javax.imageio.ImageIO.write(img, "png", d.resolve(i + ".png").toFile());
            }
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8),
                "train", "--data", "folder:" + folder, "--size", "8", "--conditional", "--steps", "1", "--batch", "2", "--base", "8",
                "--mults", "1,2", "--blocks", "1", "--out", runs.resolve("numbered").toString());
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        StudioFixture.Response r = StudioFixture.post(base, "/api/generate", "{\"run\": \"numbered\", \"class\": \"0\", \"steps\": 2, \"count\": 1}");
        assertEquals(202, r.status(), r.body());
        String cmd = r.json().get("command").getAsString();
        assertTrue(cmd.contains("--class name:1 "), "index 0 is the folder named 1: " + cmd);
        StudioFixture.events(base, r.json().get("job").getAsString(), e -> {});
        StudioFixture.Response r2 = StudioFixture.post(base, "/api/generate", "{\"run\": \"numbered\", \"class\": 2, \"steps\": 2, \"count\": 1}");
        assertTrue(r2.json().get("command").getAsString().contains("--class name:3 "), r2.body());
        StudioFixture.events(base, r2.json().get("job").getAsString(), e -> {});
        assertEquals(400, StudioFixture.post(base, "/api/generate", "{\"run\": \"numbered\", \"class\": 3}").status(), "no index 3");
        // and the CLI reads the copied spelling as the same class
        ByteArrayOutputStream e2 = new ByteArrayOutputStream();
        Path out = Files.createTempDirectory("ddpm4j-numbered-out");
        assertEquals(0, Main.run(new PrintStream(new ByteArrayOutputStream()), new PrintStream(e2, true, StandardCharsets.UTF_8),
                "sample", "--run", runs.resolve("numbered").toString(), "--class", "name:3", "--n", "1", "--steps", "2", "--out", out.toString()),
                e2.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aDamagedRunIsListedWithItsErrorBesideTheGoodOnes() throws Exception {
        Path bad = runs.resolve("damaged");
        copyRun(runs.resolve("plain"), bad);
        Path ckpt = bad.resolve(org.ddpm4j.checkpoint.Run.CHECKPOINT);
        byte[] b = Files.readAllBytes(ckpt);
        for (int i = 40; i < 200 && i < b.length; i++) {
            b[i] ^= 0x5A;
        }
        Files.write(ckpt, b);
        // and a run whose checksum is fine but whose metadata has a wrongly typed entry
        Path typed = runs.resolve("mistyped");
        copyRun(runs.resolve("plain"), typed);
        Path tc = typed.resolve(org.ddpm4j.checkpoint.Run.CHECKPOINT);
        org.ddpm4j.checkpoint.CheckpointFile c = org.ddpm4j.checkpoint.CheckpointFile.read(tc);
        c.meta().getAsJsonObject("model").addProperty("size", "twenty-eight");
        c.meta().add("class_names", new com.google.gson.JsonPrimitive(7));
        c.write(tc);
        try {
            StudioFixture.Response list = StudioFixture.get(base, "/api/runs");
            assertEquals(200, list.status(), list.body());
            boolean named = false;
            for (var e : list.json().getAsJsonArray("runs")) {
                JsonObject o = e.getAsJsonObject();
                if (o.get("name").getAsString().equals("damaged")) {
                    named = o.has("error");
                    assertFalse(o.get("error").getAsString().contains(runs.toAbsolutePath().toString()), "no absolute path: " + o);
                }
            }
            assertTrue(named, "the damaged run is listed with its error: " + list.body());
            boolean mistyped = false;
            for (var e : list.json().getAsJsonArray("runs")) {
                JsonObject o = e.getAsJsonObject();
                mistyped |= o.get("name").getAsString().equals("mistyped") && o.has("error");
            }
            assertTrue(mistyped, "the mistyped run is listed with its error: " + list.body());
            assertTrue(list.body().contains("\"name\":\"cond\"") && list.body().contains("\"conditional\":true"), "good runs still listed");
            StudioFixture.Response one = StudioFixture.get(base, "/api/runs/damaged");
            assertTrue(one.status() >= 400 && one.status() < 500, one.body());
            assertFalse(one.body().contains(runs.toAbsolutePath().toString()), "no absolute path: " + one.body());
        } finally {
            for (Path d : List.of(bad, typed)) {
                try (var s = Files.list(d)) {
                    for (Path p : s.toList()) {
                        Files.delete(p);
                    }
                }
                Files.delete(d);
            }
        }
    }

    @Test
    void jobMemoryIsBoundedInBytesAndCachedRunsHoldNoOptimizerState() throws Exception {
        Job job = new Job("j", "generate", "r");
        String picture = "x".repeat(200_000);
        for (int i = 0; i < 100; i++) { // 100 frames of 2 x 200 KB: 40 MB without a budget
            JsonObject f = new JsonObject();
            f.addProperty("step", i);
            f.addProperty("xt", picture);
            f.addProperty("x0", picture);
            job.emit("frame", f);
        }
        assertTrue(job.bytes() <= Job.FRAME_BUDGET + 400_100, job.bytes() + " bytes kept");
        assertEquals(100, job.eventCount(), "every frame keeps its place in the stream");
        assertTrue(job.await(99, 0).json().contains("\"xt\""), "the newest frame keeps its pictures");
        assertFalse(job.await(0, 0).json().contains("\"xt\""), "the oldest lost them");
        org.ddpm4j.checkpoint.Run full = org.ddpm4j.checkpoint.Run.open(runs.resolve("plain"));
        assertTrue(full.hasTensors("adam.m/"), "a training checkpoint holds optimizer moments");
        org.ddpm4j.checkpoint.Run lean = full.forSampling();
        assertFalse(lean.hasTensors("adam.m/") || lean.hasTensors("adam.v/"));
        assertTrue(lean.hasTensors("model/") && lean.tensorBytes() < full.tensorBytes());
    }

    @Test
    void nestedRunsAreListedByRelativePathAndNothingLeadsOutside() throws Exception {
        Path nested = runs.resolve("quality").resolve("cond2");
        copyRun(runs.resolve("cond"), nested);
        copyRun(runs.resolve("plain"), nested.resolve("guide"));
        Path outside = Files.createTempDirectory("ddpm4j-outside");
        copyRun(runs.resolve("plain"), outside.resolve("secret"));
        Path link = runs.resolve("linked");
        Files.createSymbolicLink(link, outside);
        try {
            StudioFixture.Response list = StudioFixture.get(base, "/api/runs");
            java.util.List<String> names = new ArrayList<>();
            list.json().getAsJsonArray("runs").forEach(e -> names.add(e.getAsJsonObject().get("name").getAsString()));
            assertTrue(names.contains("quality/cond2") && names.contains("quality/cond2/guide"), names.toString());
            assertFalse(names.stream().anyMatch(n -> n.startsWith("linked")), "a symlinked folder is not descended: " + names);
            assertEquals(200, StudioFixture.get(base, "/api/runs/quality/cond2").status());
            StudioFixture.Response g = StudioFixture.post(base, "/api/generate", "{\"run\": \"quality/cond2\", \"class\": 1, \"steps\": 2, \"count\": 1}");
            assertEquals(202, g.status(), g.body());
            assertTrue(g.json().get("command").getAsString().contains("--run " + runs + "/quality/cond2 "), g.body());
            StudioFixture.events(base, g.json().get("job").getAsString(), e -> {});
            for (String bad : List.of("quality/../cond", "linked/secret", "quality//cond2", "/cond", "quality/cond2/guide/x/y")) {
                StudioFixture.Response r = StudioFixture.post(base, "/api/generate", "{\"run\": \"" + bad + "\"}");
                assertEquals(404, r.status(), bad + ": " + r.body());
            }
        } finally {
            Files.delete(link);
        }
    }

    @Test
    void framingAndSniffingAreForbiddenAndJobIdsAreRandom() throws Exception {
        for (String path : List.of("/", "/api/health", "/studio.js")) {
            HttpResponse<String> r = send(StudioFixture.request(base + path));
            assertEquals(200, r.statusCode(), path);
            assertEquals("DENY", r.headers().firstValue("X-Frame-Options").orElse(""), path);
            assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(""), path);
            String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
            assertTrue(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'") && csp.contains("img-src 'self' data:"), csp);
        }
        StudioFixture.Response r = StudioFixture.post(base, "/api/generate", "{\"run\": \"plain\", \"steps\": 1, \"count\": 1}");
        String id = r.json().get("job").getAsString();
        assertTrue(id.matches("[0-9a-f]{32}"), "128 random bits: " + id);
        StudioFixture.events(base, id, e -> {});
    }

    @Test
    void noErrorBodyNamesAnAbsolutePath() throws Exception {
        String abs = runs.toAbsolutePath().toString();
        for (String[] req : new String[][] {
            {"/api/runs/nosuch", null}, {"/api/runs/..", null}, {"/api/generate", "{\"run\": \"../etc\"}"},
            {"/api/generate", "{\"run\": \"cond\", \"class\": 99}"}, {"/api/inpaint", "{\"run\": \"cond\", \"image\": \"data:x\"}"},
            {"/api/jobs/nosuch", null}}) {
            StudioFixture.Response r = req[1] == null ? StudioFixture.get(base, req[0]) : StudioFixture.post(base, req[0], req[1]);
            assertTrue(r.status() >= 400, req[0] + " " + r.body());
            assertFalse(r.body().contains(abs) || r.body().contains("/tmp/"), req[0] + ": " + r.body());
        }
    }
}
