package org.ddpm4j.studio;

import com.google.gson.JsonObject;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.ddpm4j.DdpmException;
import org.ddpm4j.util.NativeMemory;

/**
 * The bounded work queue of the studio: one worker thread (the network already uses both cores) and at
 * most {@code capacity} requests waiting behind it. A request over the limit is refused at once
 * ({@link Busy}, HTTP 429), so a flood of requests costs memory for neither work nor threads.
 * Finished jobs are kept for a while (the last {@link #RETAINED}) so their streams can be replayed.
 */
final class JobQueue implements AutoCloseable {

    /** Finished jobs kept for late subscribers and downloads. */
    static final int RETAINED = 16;
    /** ... and at most this many bytes of their events and results. */
    static final long RETAINED_BYTES = 64L << 20;

    /** The work of one job; it reports through {@code job} and checks {@link Job#cancelRequested()}. */
    interface Work {
        void run(Job job) throws Exception;
    }

    /** Thrown by {@link Work} when it noticed a cancel request and stopped. */
    static final class Cancelled extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Cancelled() {
            super("cancelled", null, false, false);
        }
    }

    /** The queue is full (HTTP 429). */
    static final class Busy extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Busy(String message) {
            super(message);
        }
    }

    private final ThreadPoolExecutor pool;
    private final int capacity;
    private final Map<String, Job> jobs = new LinkedHashMap<>();
    private final Deque<String> finished = new ArrayDeque<>();
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();

    JobQueue(int capacity) {
        this.capacity = capacity;
        this.pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(capacity), r -> {
            Thread t = new Thread(r, "studio-worker");
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.AbortPolicy());
        NativeMemory.idleHeap(true); // a new queue has no work yet
    }

    /** Queues {@code work}; throws {@link Busy} if {@code capacity} requests already wait. */
    Job submit(String kind, String run, Work work) {
        byte[] id = new byte[16]; // 128 random bits: a job id cannot be guessed
        RANDOM.nextBytes(id);
        ids.incrementAndGet();
        Job job = new Job(java.util.HexFormat.of().formatHex(id), kind, run);
        synchronized (jobs) {
            jobs.put(job.id, job);
        }
        JsonObject q = new JsonObject();
        q.addProperty("position", pool.getQueue().size() + pool.getActiveCount());
        job.emit("queued", q);
        try {
            pool.execute(() -> execute(job, work));
        } catch (RejectedExecutionException e) {
            synchronized (jobs) {
                jobs.remove(job.id);
            }
            refused.incrementAndGet();
            throw new Busy("the studio is busy: " + capacity + " requests are already waiting; try again in a moment");
        }
        return job;
    }

    private void execute(Job job, Work work) {
        NativeMemory.idleHeap(false);
        try {
            if (job.cancelRequested() || !job.transition(Job.State.RUNNING)) {
                throw new Cancelled();
            }
            work.run(job); // ends with job.finish(DONE, "done", ...)
            if (!job.finished()) {
                fail(job, "the work ended without a result");
            }
        } catch (Cancelled e) {
            JsonObject o = new JsonObject();
            o.addProperty("message", "cancelled");
            job.finish(Job.State.CANCELLED, "cancelled", o);
        } catch (DdpmException e) {
            fail(job, e.getMessage());
        } catch (OutOfMemoryError e) {
            fail(job, "out of memory (ask for fewer images)");
        } catch (Exception | Error e) {
            fail(job, "unexpected " + e.getClass().getSimpleName() + ": " + e.getMessage());
        } finally {
            retire(job);
            NativeMemory.trim(); // the job's tensors are freed: give their pages back before the next job
            if (pool.getQueue().isEmpty()) {
                NativeMemory.idleHeap(true); // between bursts the heap shrinks back (see NativeMemory)
            }
        }
    }

    private static void fail(Job job, String message) {
        JsonObject o = new JsonObject();
        o.addProperty("message", message);
        job.finish(Job.State.FAILED, "error", o);
    }

    private void retire(Job job) {
        synchronized (jobs) {
            finished.addLast(job.id);
            long bytes = 0;
            for (String id : finished) {
                Job j = jobs.get(id);
                bytes += j == null ? 0 : j.bytes();
            }
            // finished jobs expire by count and by bytes (the newest always stays until the next one finishes)
            while (finished.size() > RETAINED || (bytes > RETAINED_BYTES && finished.size() > 1)) {
                Job gone = jobs.remove(finished.removeFirst());
                bytes -= gone == null ? 0 : gone.bytes();
            }
        }
    }

    /** The job with this id, or a {@link RunCatalog.NotFound}. */
    Job get(String id) {
        synchronized (jobs) {
            Job j = jobs.get(id);
            if (j == null) {
                throw new RunCatalog.NotFound("no job '" + RunCatalog.abbreviate(id) + "' (finished long ago, or never started)");
            }
            return j;
        }
    }

    /**
     * Asks a job to stop. A waiting job is finished at once; a running one stops at its next network
     * call. Returns the job.
     */
    Job cancel(String id) {
        Job j = get(id);
        j.requestCancel();
        if (j.state() == Job.State.QUEUED) {
            JsonObject o = new JsonObject();
            o.addProperty("message", "cancelled before it started");
            j.finish(Job.State.CANCELLED, "cancelled", o);
        }
        return j;
    }

    /** Queue figures for /api/health. */
    JsonObject describe() {
        JsonObject o = new JsonObject();
        o.addProperty("running", pool.getActiveCount());
        o.addProperty("waiting", pool.getQueue().size());
        o.addProperty("capacity", capacity);
        o.addProperty("completed", pool.getCompletedTaskCount());
        o.addProperty("refused", refused.get());
        return o;
    }

    @Override
    public void close() {
        synchronized (jobs) {
            jobs.values().forEach(Job::requestCancel);
        }
        pool.shutdown();
        try {
            pool.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
