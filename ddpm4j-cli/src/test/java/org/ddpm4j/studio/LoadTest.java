package org.ddpm4j.studio;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * A bounded load test of a running studio (bench/studio_load.sh starts one): {@code clients} clients send
 * one small generation request each at the same moment, then follow their event stream to the end.
 * Every request must end as "done" or be refused with 429; anything else (another status, an error
 * event, a dropped stream) is counted as a failure. Prints one JSON line.
 *
 * <p>Usage: {@code java -cp ddpm4j.jar org.ddpm4j.studio.LoadTest URL RUN [clients=50] [steps=10] [count=4]}
 */
public final class LoadTest {

    private LoadTest() {}

    record Outcome(String kind, double seconds) {}

    /** The studio's token, sent as a Bearer header like any script client (null: none). */
    private static String token;

    static HttpRequest.Builder request(String url) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        return token == null ? b : b.header("Authorization", "Bearer " + token);
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: LoadTest URL RUN [clients=50] [steps=10] [count=4]   (URL as ./ddpm serve prints it, with ?token=)");
            System.exit(2);
        }
        String url = args[0];
        int q = url.indexOf("?token=");
        if (q >= 0) {
            token = url.substring(q + 7);
            url = url.substring(0, q);
        } else if (System.getenv("DDPM4J_STUDIO_TOKEN") != null) {
            token = System.getenv("DDPM4J_STUDIO_TOKEN").trim();
        }
        String base = url.replaceAll("/$", "");
        String run = args[1];
        int clients = args.length > 2 ? Integer.parseInt(args[2]) : 50;
        int steps = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        int count = args.length > 4 ? Integer.parseInt(args[4]) : 4;
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Outcome>> futures = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            String body = String.format(Locale.ROOT, "{\"run\": \"%s\", \"steps\": %d, \"count\": %d, \"seed\": %d}", run, steps, count, i);
            futures.add(pool.submit(() -> {
                go.await();
                long t0 = System.nanoTime();
                String kind = request(http, base, body);
                return new Outcome(kind, (System.nanoTime() - t0) / 1e9);
            }));
        }
        long start = System.nanoTime();
        go.countDown();
        int done = 0;
        int refused = 0;
        List<String> failures = new ArrayList<>();
        List<Double> doneSeconds = new ArrayList<>();
        List<Double> refusedSeconds = new ArrayList<>();
        for (Future<Outcome> f : futures) {
            Outcome o;
            try {
                o = f.get();
            } catch (Exception e) {
                o = new Outcome("exception " + e.getCause(), 0);
            }
            if (o.kind.equals("done")) {
                done++;
                doneSeconds.add(o.seconds);
            } else if (o.kind.equals("429")) {
                refused++;
                refusedSeconds.add(o.seconds);
            } else {
                failures.add(o.kind);
            }
        }
        double wall = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        int health = http.send(request(base + "/api/health").build(), HttpResponse.BodyHandlers.ofString()).statusCode();
        System.out.printf(Locale.ROOT, "{\"bench\": \"studio-load\", \"clients\": %d, \"steps\": %d, \"count\": %d, \"done\": %d, \"refused_429\": %d, "
                + "\"failed\": %d, \"failures\": \"%s\", \"wall_s\": %.1f, \"done_median_s\": %.2f, \"done_max_s\": %.2f, "
                + "\"refused_max_s\": %.3f, \"health_after\": %d}%n",
                clients, steps, count, done, refused, failures.size(), String.join("; ", failures).replace("\"", "'"), wall,
                median(doneSeconds), max(doneSeconds), max(refusedSeconds), health);
        System.exit(failures.isEmpty() && health == 200 ? 0 : 1);
    }

    /** One client: POST, then read the event stream to its last event. Returns "done", "429" or what went wrong. */
    static String request(HttpClient http, String base, String body) {
        try {
            HttpResponse<String> r = http.send(request(base + "/api/generate")
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 429) {
                return "429";
            }
            if (r.statusCode() != 202) {
                return "status " + r.statusCode() + ": " + r.body();
            }
            JsonObject job = JsonParser.parseString(r.body()).getAsJsonObject();
            HttpResponse<Stream<String>> ev = http.send(request(base + job.get("events_url").getAsString()).build(),
                    HttpResponse.BodyHandlers.ofLines());
            String last = null;
            try (Stream<String> lines = ev.body()) {
                for (String line : (Iterable<String>) lines::iterator) {
                    if (line.startsWith("event: ")) {
                        last = line.substring(7);
                        if (last.equals("done") || last.equals("error") || last.equals("cancelled")) {
                            break;
                        }
                    }
                }
            }
            return last == null ? "stream ended early" : last.equals("done") ? "done" : "event " + last;
        } catch (IOException | InterruptedException e) {
            return "exception " + e;
        }
    }

    static double median(List<Double> v) {
        if (v.isEmpty()) {
            return 0;
        }
        List<Double> s = new ArrayList<>(v);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }

    static double max(List<Double> v) {
        return v.isEmpty() ? 0 : Collections.max(v);
    }
}
