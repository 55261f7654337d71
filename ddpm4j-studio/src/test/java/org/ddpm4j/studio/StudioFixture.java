package org.ddpm4j.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.ddpm4j.api.Training;
import org.ddpm4j.data.TinyData;

/**
 * Shared by the studio tests: a runs directory with two tiny runs trained once per test JVM (a
 * class-conditional U-Net "cond", an unconditional one "plain", both 8x8, and "student", "cond" distilled to 2 steps), and a small HTTP client.
 */
final class StudioFixture {

    private static Path runs;

    private StudioFixture() {}

    static synchronized Path runs() throws IOException {
        if (runs == null) {
            Path dir = Files.createTempDirectory("ddpm4j-studio");
            Path data = TinyData.idx(dir);
            Path root = Files.createDirectories(dir.resolve("runs"));
            train(Training.unet().data("idx:" + data).conditional(true), root.resolve("cond"));
            train(Training.unet().data("idx:" + data).digit(1), root.resolve("plain"));
            // a student of "cond" distilled to 2 DDIM steps (one round of 2 updates)
            assertEquals(true, org.ddpm4j.api.Distillation.run(org.ddpm4j.api.Distillation.from(root.resolve("cond")).steps(2).teacherSteps(4)
                    .updates(2).batch(4).sampleEvery(0).checkpointEvery(0).plan(), root.resolve("student"), false,
                    org.ddpm4j.api.TrainingListener.NONE).finished());
            runs = root;
        }
        return runs;
    }

    /** A tiny U-Net for 3 steps at batch 4, trained through the library as ./ddpm train would. */
    private static void train(Training.Recipe recipe, Path out) {
        Training.Outcome done = Training.run(recipe.steps(3).batch(4).base(8).mults(1, 2).blocks(1).plan(), out, false,
                org.ddpm4j.api.TrainingListener.NONE);
        assertEquals(true, done.finished());
    }

    static final HttpClient HTTP = HttpClient.newHttpClient();

    /** The token the test servers run with; every client below sends it, as a script would. */
    static final String TOKEN = Access.newToken();

    /** A server over {@link #runs()} that needs {@link #TOKEN}, on loopback. */
    static StudioServer server(String runsDisplay, int queue) throws IOException {
        return new StudioServer(runs(), runsDisplay, Limits.defaults().withQueueCapacity(queue), Access.of(TOKEN, "127.0.0.1", List.of()),
                StudioServer.DEFAULT_MAX_STREAMS);
    }

    static HttpRequest.Builder request(String url) {
        return HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + TOKEN);
    }

    record Response(int status, String body) {
        JsonObject json() {
            return JsonParser.parseString(body).getAsJsonObject();
        }

        String error() {
            return json().get("error").getAsString();
        }
    }

    static Response get(String base, String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(request(base + path).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.body());
    }

    static Response post(String base, String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(request(base + path)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.body());
    }

    /** One server-sent event. */
    record Event(String type, JsonObject data) {}

    /** Reads a job's event stream to its end (done, cancelled or error); {@code onEvent} sees each as it comes. */
    static List<Event> events(String base, String jobId, java.util.function.Consumer<Event> onEvent) throws IOException, InterruptedException {
        HttpResponse<Stream<String>> r = HTTP.send(request(base + "/api/jobs/" + jobId + "/events").GET().build(),
                HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, r.statusCode());
        List<Event> out = new ArrayList<>();
        String type = null;
        try (Stream<String> lines = r.body()) {
            for (String line : (Iterable<String>) lines::iterator) {
                if (line.startsWith("event: ")) {
                    type = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    Event e = new Event(type, JsonParser.parseString(line.substring(6)).getAsJsonObject());
                    out.add(e);
                    onEvent.accept(e);
                    if (type.equals("done") || type.equals("cancelled") || type.equals("error")) {
                        break;
                    }
                }
            }
        }
        return out;
    }

    /** Waits (up to 60 s) until the server runs and queues nothing, so a test starts from an idle queue. */
    static void awaitIdle(String base) throws IOException, InterruptedException {
        for (int i = 0; i < 600; i++) {
            JsonObject q = get(base, "/api/health").json().getAsJsonObject("queue");
            if (q.get("running").getAsInt() == 0 && q.get("waiting").getAsInt() == 0) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the studio's queue did not drain");
    }

    /** Waits (up to 60 s) until a job has left the queue for the worker (or finished). */
    static void awaitStarted(String base, String job) throws IOException, InterruptedException {
        for (int i = 0; i < 600; i++) {
            if (!get(base, "/api/jobs/" + job).json().get("state").getAsString().equals("queued")) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("job " + job + " never started");
    }
}
