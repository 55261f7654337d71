package org.ddpm4j.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.ddpm4j.DdpmException;
import org.ddpm4j.studio.Access;
import org.ddpm4j.studio.Limits;
import org.ddpm4j.studio.StudioServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code ./ddpm serve}: the web studio over a runs directory. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Start ddpm4j studio, a local web page to generate, guide and inpaint with the runs in --runs, "
                + "watching the denoising live. Stop it with Ctrl-C.")
final class ServeCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Option(names = "--runs", defaultValue = "runs", description = "Directory whose runs (up to three levels below it, e.g. quality/unet-30m) the studio serves. Default: ${DEFAULT-VALUE}.")
    String runs;

    @Option(names = "--port", defaultValue = "8080", description = "Port (0 = any free one). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on; only this machine by default. Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = "--queue", defaultValue = "8", description = "Requests that may wait behind the running one; more get HTTP 429. Default: ${DEFAULT-VALUE}.")
    int queue;

    @Option(names = "--token-file", paramLabel = "FILE", description = "Read the access token from FILE (first line) instead of making a fresh one; "
            + "the environment variable " + TOKEN_ENV + " works too.")
    Path tokenFile;

    @Option(names = "--no-token", description = "No access token (a loopback --host only): anyone on this machine can use the studio.")
    boolean noToken;

    @Option(names = "--allow-host", paramLabel = "NAME", split = ",", description = "Extra host names the studio answers to (besides localhost, "
            + "127.0.0.1, [::1] and --host), e.g. a name in /etc/hosts or a proxy's.")
    List<String> allowHosts = new ArrayList<>();

    @Option(names = "--max-streams", defaultValue = "" + StudioServer.DEFAULT_MAX_STREAMS,
            description = "Live event streams open at once; more get HTTP 503. Default: ${DEFAULT-VALUE}.")
    int maxStreams;

    /** The environment variable that can hold a fixed token for scripts. */
    static final String TOKEN_ENV = "DDPM4J_STUDIO_TOKEN";

    @picocli.CommandLine.Mixin
    DeviceOptions deviceOptions = new DeviceOptions();

    @Override
    public Integer call() throws InterruptedException {
        if (port < 0 || port > 65535) {
            throw new DdpmException("--port must be in 0..65535, got " + port);
        }
        if (queue < 1 || queue > 1000) {
            throw new DdpmException("--queue must be in 1..1000, got " + queue);
        }
        if (maxStreams < 1 || maxStreams > 1000) {
            throw new DdpmException("--max-streams must be in 1..1000, got " + maxStreams);
        }
        boolean loopback = Access.isLoopback(host);
        if (noToken && !loopback) {
            throw new DdpmException("--no-token is allowed only with a loopback --host (127.0.0.1, ::1 or localhost), not " + host);
        }
        if (noToken && tokenFile != null) {
            throw new DdpmException("choose --no-token or --token-file, not both");
        }
        String token = noToken ? null : token();
        Access access = Access.of(token, host, allowHosts);
        StudioServer server = new StudioServer(Path.of(runs), runs, Limits.defaults().withQueueCapacity(queue), access, maxStreams,
                deviceOptions.device());
        String url;
        try {
            url = server.start(host, port);
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "studio-shutdown"));
        if (noToken) {
            main.err.println("warning: --no-token: every user and program on this machine can use the studio");
        }
        if (!loopback) {
            main.err.println("warning: listening on " + host + ": anyone who can reach port " + server.port()
                    + " and holds the token can list your runs and their configs, spend this machine's CPU on generation and download the results");
        }
        main.out.println("ddpm4j studio: " + url + " (runs from " + runs + "; Ctrl-C stops it)");
        main.out.flush();
        stopped.await();
        return 0;
    }

    /** The token: from --token-file, else from the environment, else a fresh random one. */
    private String token() {
        String t;
        if (tokenFile != null) {
            try {
                if (Files.size(tokenFile) > 4096) {
                    throw new DdpmException("--token-file " + tokenFile + ": larger than 4 KiB; it should hold one line, the token");
                }
                t = Files.readString(tokenFile, StandardCharsets.UTF_8).lines().findFirst().orElse("").trim();
            } catch (java.io.IOException | java.io.UncheckedIOException e) {
                throw new DdpmException("--token-file " + tokenFile + ": cannot read it (" + e.getMessage() + ")");
            }
        } else {
            t = System.getenv(TOKEN_ENV);
            if (t == null || t.isBlank()) {
                return Access.newToken();
            }
            t = t.trim();
        }
        if (t.length() < 16 || !t.matches("[A-Za-z0-9._~-]+")) {
            throw new DdpmException("the studio token must be at least 16 characters of A-Z, a-z, 0-9 and . _ ~ -");
        }
        return t;
    }
}
