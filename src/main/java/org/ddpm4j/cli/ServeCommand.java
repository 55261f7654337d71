package org.ddpm4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.ddpm4j.DdpmException;
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

    @Option(names = "--runs", defaultValue = "runs", description = "Directory whose sub-directories are runs. Default: ${DEFAULT-VALUE}.")
    String runs;

    @Option(names = "--port", defaultValue = "8080", description = "Port (0 = any free one). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on; only this machine by default. Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = "--queue", defaultValue = "8", description = "Requests that may wait behind the running one; more get HTTP 429. Default: ${DEFAULT-VALUE}.")
    int queue;

    @Override
    public Integer call() throws InterruptedException {
        if (port < 0 || port > 65535) {
            throw new DdpmException("--port must be in 0..65535, got " + port);
        }
        if (queue < 1 || queue > 1000) {
            throw new DdpmException("--queue must be in 1..1000, got " + queue);
        }
        StudioServer server = new StudioServer(Path.of(runs), runs, Limits.defaults().withQueueCapacity(queue));
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
        main.out.println("ddpm4j studio: " + url + " (runs from " + runs + "; Ctrl-C stops it)");
        main.out.flush();
        stopped.await();
        return 0;
    }
}
