package org.ddpm4j.studio;

import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * One generation or inpainting request: its events (queued, frame, done, cancelled, error), kept in order
 * so that a client that subscribes late, or reconnects, sees the stream from any event on.
 */
final class Job {

    enum State { QUEUED, RUNNING, DONE, CANCELLED, FAILED }

    /** One event of the stream; {@code id} counts from 0. */
    record Event(int id, String type, String json) {}

    final String id;
    final String kind;
    final String run;
    private final List<Event> events = new ArrayList<>();
    private State state = State.QUEUED;
    private volatile boolean cancelRequested;
    private volatile int stepsDone;
    private volatile int stepsTotal;
    private byte[] resultPng;

    Job(String id, String kind, String run) {
        this.id = id;
        this.kind = kind;
        this.run = run;
    }

    synchronized State state() {
        return state;
    }

    synchronized boolean finished() {
        return state == State.DONE || state == State.CANCELLED || state == State.FAILED;
    }

    /** The bytes of frame pictures a job keeps for late subscribers; past it the oldest frames lose their pictures. */
    static final long FRAME_BUDGET = 8L << 20;

    private long eventBytes;

    /** Appends an event and wakes every waiting subscriber. */
    synchronized void emit(String type, JsonObject data) {
        data.addProperty("job", id);
        String json = data.toString();
        events.add(new Event(events.size(), type, json));
        eventBytes += json.length();
        // keep the job's memory bounded in bytes: older frames (already sent to live subscribers) keep their
        // step numbers but drop their pictures, oldest first; the newest frame always keeps its pictures
        for (int i = 0; eventBytes > FRAME_BUDGET && i < events.size() - 1; i++) {
            Event e = events.get(i);
            if (e.type().equals("frame") && e.json().contains("\"xt\"")) {
                JsonObject small = com.google.gson.JsonParser.parseString(e.json()).getAsJsonObject();
                small.remove("xt");
                small.remove("x0");
                String slim = small.toString();
                eventBytes -= e.json().length() - slim.length();
                events.set(i, new Event(e.id(), e.type(), slim));
            }
        }
        notifyAll();
    }

    /** The bytes this job holds: its events and its result. */
    synchronized long bytes() {
        return eventBytes + (resultPng == null ? 0 : resultPng.length);
    }

    /**
     * Ends the job with a last event, atomically: a subscriber never sees the job finished without its last
     * event. Returns false (and emits nothing) if it had already ended.
     */
    synchronized boolean finish(State end, String type, JsonObject data) {
        if (finished()) {
            return false;
        }
        emit(type, data);
        state = end;
        notifyAll();
        return true;
    }

    /** Moves to {@code next} unless already finished; returns false if it was. */
    synchronized boolean transition(State next) {
        if (finished()) {
            return false;
        }
        state = next;
        notifyAll();
        return true;
    }

    /**
     * The event with id {@code index}, waiting up to {@code timeoutMillis} for it; null if none came (the
     * caller sends a keep-alive) or if the job finished without one.
     */
    synchronized Event await(int index, long timeoutMillis) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMillis;
        while (index >= events.size()) {
            long left = end - System.currentTimeMillis();
            if (left <= 0 || (finished() && index >= events.size())) {
                return null;
            }
            wait(left);
        }
        return events.get(index);
    }

    synchronized int eventCount() {
        return events.size();
    }

    void requestCancel() {
        cancelRequested = true;
    }

    boolean cancelRequested() {
        return cancelRequested;
    }

    void progress(int done, int total) {
        stepsDone = done;
        stepsTotal = total;
    }

    synchronized void result(byte[] png) {
        resultPng = png;
    }

    synchronized byte[] result() {
        return resultPng;
    }

    /** The job's state as JSON (for GET /api/jobs/ID). */
    synchronized JsonObject describe() {
        JsonObject o = new JsonObject();
        o.addProperty("job", id);
        o.addProperty("kind", kind);
        o.addProperty("run", run);
        o.addProperty("state", state.name().toLowerCase(java.util.Locale.ROOT));
        o.addProperty("steps_done", stepsDone);
        o.addProperty("steps_total", stepsTotal);
        o.addProperty("events", events.size());
        return o;
    }
}
