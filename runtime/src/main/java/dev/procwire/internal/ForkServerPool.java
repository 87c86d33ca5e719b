package dev.procwire.internal;

import dev.procwire.OutputListener;
import dev.procwire.WorkerTransport;
import dev.procwire.transport.FrameLimits;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fork server's ready workers: a few Java workers started ahead of demand, each of which has
 * said hello, handed out one per plain request and refilled in the background. Ready workers
 * wait for their Welcome without limit; the server holds their stdin, so they exit when it does.
 * A worker that dies while ready is dropped. After a failed start, refilling pauses for a
 * second, so a broken configuration does not spawn in a loop (requests then get workers started
 * on demand, whose failure their runtime sees).
 *
 * <p>Thread safe; {@link #close()} kills the ready workers and those being started. Idempotent.
 */
final class ForkServerPool {
    private static final long PAUSE_AFTER_FAILURE_MILLIS = 1_000;
    private static final long REFILL_DELAY_MILLIS = 20;

    private final SpawnStarter spawner;
    private final int target;
    private final long helloTimeoutMillis;
    private final ExecutorService spawning;
    private final ScheduledExecutorService timers;
    private final String idPrefix;
    private final List<String> workerOptions;
    private final AtomicLong counter = new AtomicLong();
    private final ArrayDeque<ForkChild> ready = new ArrayDeque<>();
    private final java.util.Set<ForkChild> starting = new java.util.HashSet<>(); // spawned, no Hello yet
    private int inFlight; // submitted starts that have not ended yet
    private long pausedUntil;
    private boolean closed;

    /** @param workerOptions JVM options of every worker */
    ForkServerPool(SpawnStarter spawner, int target, long helloTimeoutMillis, List<String> workerOptions,
                   ExecutorService spawning, ScheduledExecutorService timers) {
        this.workerOptions = new java.util.ArrayList<>(workerOptions);
        this.spawner = spawner;
        this.target = target;
        this.helloTimeoutMillis = helloTimeoutMillis;
        this.spawning = spawning;
        this.timers = timers;
        this.idPrefix = "fork-" + ProcessHandle.current().pid() + "-";
    }

    /**
     * A ready worker, taken out of the pool; waits up to {@code waitMillis} for one being started
     * if none is ready. Null if there is none (the caller starts one on demand).
     */
    synchronized ForkChild take(long waitMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + waitMillis;
        if (ready.isEmpty()) {
            refill();
        }
        while (ready.isEmpty() && inFlight > 0 && !closed) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                break;
            }
            wait(left);
        }
        // No refill here: the caller asks for it once the worker is handed over (refillSoon),
        // so a new JVM's start does not compete with the hand-over for the CPU.
        return ready.pollFirst();
    }

    /** A ready worker taken out of the pool, or null if none is ready now. */
    synchronized ForkChild takeReady() {
        return ready.pollFirst();
    }

    /** Starts workers until ready and starting ones reach the target. */
    synchronized void refill() {
        if (closed || System.currentTimeMillis() < pausedUntil) {
            return;
        }
        int wanted = target - ready.size() - inFlight;
        for (int i = 0; i < wanted; i++) {
            String id = idPrefix + counter.incrementAndGet();
            LaunchSpec spec = new LaunchSpec(id, id, workerOptions,
                    Map.of(), null, 0, FrameLimits.DEFAULT_MAX_FRAME_BYTES, OutputListener.discard(), Runnable::run,
                    WorkerTransport.PIPE, List.of(), true); // held: it waits for a runtime without limit
            try {
                spawning.execute(() -> start(spec));
                inFlight++;
            } catch (java.util.concurrent.RejectedExecutionException e) {
                return; // shutting down
            }
        }
    }

    private void start(LaunchSpec spec) {
        ForkChild child = null;
        boolean isReady = false;
        try {
            child = ForkChild.spawn(spawner, spec);
            synchronized (this) {
                if (closed) {
                    return; // killed below
                }
                starting.add(child);
            }
            child.readHello(helloTimeoutMillis, timers);
            isReady = true;
        } catch (IOException | RuntimeException e) {
            failed((child == null ? "cannot spawn a ready worker: " : "a ready worker did not start: ") + e.getMessage());
        } finally {
            synchronized (this) {
                inFlight--;
                if (child != null) {
                    starting.remove(child);
                    if (isReady && !closed) {
                        ready.addLast(child);
                        ForkChild c = child;
                        child.process().onExit().thenRun(() -> dropDead(c));
                    } else {
                        child.kill();
                    }
                }
                notifyAll();
            }
        }
    }

    private synchronized void dropDead(ForkChild child) {
        if (ready.remove(child)) {
            child.closeEnds();
            refill();
        }
    }

    private void failed(String why) {
        System.err.println("procwire fork server: " + why);
        synchronized (this) {
            pausedUntil = System.currentTimeMillis() + PAUSE_AFTER_FAILURE_MILLIS;
        }
    }

    /**
     * Refills a little later: after a hand-over, when the runtime has welcomed its worker, and
     * when a CPU is idle (see {@link IdleCpu}).
     */
    void refillSoon() {
        IdleCpu.run(timers, this::refill, REFILL_DELAY_MILLIS);
    }

    /** How many workers are ready now. */
    synchronized int readyCount() {
        return ready.size();
    }

    /** Kills the ready workers and those being started; no more are started. */
    void close() {
        List<ForkChild> all;
        synchronized (this) {
            closed = true;
            all = new java.util.ArrayList<>(ready);
            all.addAll(starting);
            ready.clear();
            notifyAll();
        }
        for (ForkChild c : all) {
            c.kill();
        }
    }
}
