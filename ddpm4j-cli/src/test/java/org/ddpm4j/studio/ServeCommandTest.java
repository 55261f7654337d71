package org.ddpm4j.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.ddpm4j.cli.Main;
import org.ddpm4j.cli.ChildJvm;
import org.junit.jupiter.api.Test;

/** {@code ./ddpm serve} as a user runs it: a fresh JVM, the printed URL, a generation; and its one-line errors. */
class ServeCommandTest {

    @Test
    void aFreshServerProcessPrintsItsUrlAndGenerates() throws Exception {
        Path runs = StudioFixture.runs();
        ProcessBuilder pb = ChildJvm.builder(List.of("serve", "--runs", runs.toString(), "--port", "0")).redirectErrorStream(true);
        pb.environment().put("DDPM4J_STUDIO_TOKEN", StudioFixture.TOKEN); // a fixed token for scripts, from the environment
        Process p = pb.start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertTrue(line != null && line.startsWith("ddpm4j studio: http://127.0.0.1:"), "first line: " + line);
            String base = line.substring("ddpm4j studio: ".length(), line.indexOf('/', "ddpm4j studio: http://".length()));
            assertTrue(line.contains("/?token=" + StudioFixture.TOKEN + " "), "the printed URL carries the token: " + line);
            java.net.http.HttpResponse<String> anon = StudioFixture.HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/api/runs")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(401, anon.statusCode(), "no token, no runs");
            // the first request of a new JVM loads the engine on the worker thread
            StudioFixture.Response r = StudioFixture.post(base, "/api/generate", "{\"run\": \"cond\", \"class\": \"0\", \"steps\": 3, \"count\": 2}");
            assertEquals(202, r.status(), r.body());
            List<StudioFixture.Event> ev = StudioFixture.events(base, r.json().get("job").getAsString(), e -> {});
            assertEquals("done", ev.get(ev.size() - 1).type(), ev.toString());
            StudioFixture.Response inpaint = StudioFixture.post(base, "/api/inpaint", "{\"run\": \"plain\", \"image\": \""
                    + StudioApiTest.dataUrl(new java.awt.image.BufferedImage(8, 8, java.awt.image.BufferedImage.TYPE_BYTE_GRAY))
                    + "\", \"mask\": \"" + StudioApiTest.dataUrl(new java.awt.image.BufferedImage(8, 8, java.awt.image.BufferedImage.TYPE_BYTE_GRAY))
                    + "\", \"steps\": 2, \"count\": 1}");
            assertEquals(202, inpaint.status(), inpaint.body());
            List<StudioFixture.Event> ev2 = StudioFixture.events(base, inpaint.json().get("job").getAsString(), e -> {});
            assertEquals("done", ev2.get(ev2.size() - 1).type(), ev2.toString());
        } finally {
            p.destroy();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "stops on SIGTERM");
        }
    }

    @Test
    void badFlagsAndABusyPortAreOneLineErrors() throws Exception {
        assertError(1, "no runs directory at /nonexistent/runs", "serve", "--runs", "/nonexistent/runs");
        Path runs = StudioFixture.runs();
        assertError(1, "--port must be in 0..65535", "serve", "--runs", runs.toString(), "--port", "70000");
        assertError(1, "--queue must be in 1..1000", "serve", "--runs", runs.toString(), "--queue", "0");
        assertError(2, "--port", "serve", "--port", "http");
        assertError(1, "--no-token is allowed only with a loopback --host", "serve", "--runs", runs.toString(), "--host", "0.0.0.0", "--no-token");
        assertError(1, "--max-streams must be in 1..1000", "serve", "--runs", runs.toString(), "--max-streams", "0");
        assertError(1, "--token-file /nonexistent/token: cannot read it", "serve", "--runs", runs.toString(), "--token-file", "/nonexistent/token");
        Path shortToken = java.nio.file.Files.writeString(java.nio.file.Files.createTempFile("token", ".txt"), "abc\n");
        assertError(1, "the studio token must be at least 16 characters", "serve", "--runs", runs.toString(), "--token-file", shortToken.toString());
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            assertError(1, "cannot listen on 127.0.0.1:" + taken.getLocalPort(), "serve", "--runs", runs.toString(),
                    "--port", Integer.toString(taken.getLocalPort()));
        }
    }

    private static void assertError(int code, String text, String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int got = Main.run(new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8), args);
        String e = err.toString(StandardCharsets.UTF_8).strip();
        assertEquals(code, got, e);
        assertTrue(e.startsWith("error: ") && !e.contains("\n") && e.contains(text), e);
    }
}
