package dev.procwire.internal;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@code warm} start method: a few workers are spawned ahead of demand, each kept after its
 * Hello arrived and was checked, and one is handed out, named and welcomed, when a worker is
 * asked for; a replacement is then spawned in the background. A worker asked for with options
 * the ready ones were not started with (JVM options, environment, folder, transport, a command)
 * is spawned as by {@code spawn}. An idle ready worker that died is dropped at hand-out.
 *
 * <p>Idle workers wait for their Welcome without a time limit; like any worker, they exit when
 * their input ends, so they die with the runtime. Thread safe; {@link #close()} is idempotent
 * and ends the idle workers. Internal.
 */
public final class WarmStarter implements WorkerStarter {
    /** Failed ahead-of-demand starts in a row after which refilling waits for the next request. */
    private static final int MAX_FAILURES_IN_A_ROW = 3;
    private static final AtomicInteger NUMBER = new AtomicInteger();

    private final WorkerStarter spawn;
    private final int size;
    private final LaunchSpec template;
    private final Deque<StartedWorker> idle = new ArrayDeque<>();
    /**
     * A refill waits this long after a hand-out: a JVM starting on the other core while the
     * handed-out worker gets its Welcome and first task would slow both down.
     */
    private static final long REFILL_DELAY_MILLIS = 20;
    private final ScheduledExecutorService spawner = Executors.newSingleThreadScheduledExecutor(
            DaemonThreads.named("procwire-warm-spawner"));
    private int starting;
    private int failuresInARow;
    private boolean closed;

    /**
     * @param spawn how workers are made (it is closed with this starter)
     * @param size how many idle workers to keep ready
     * @param template the spec of a worker started ahead: the runtime's own options, no name yet
     */
    public WarmStarter(WorkerStarter spawn, int size, LaunchSpec template) {
        if (size < 1) {
            throw new IllegalArgumentException("a warm start keeps at least 1 worker ready, got " + size);
        }
        this.spawn = spawn;
        this.size = size;
        this.template = template;
        refill();
    }

    @Override
    public StartedWorker start(LaunchSpec spec) throws IOException {
        if (servesFromIdle(spec)) {
            StartedWorker w = take();
            if (w != null) {
                w.connection().assign(spec.name(), spec.maxConcurrentTasks(), spec.output(), spec.callbacks());
                w.assignOutput(spec.name(), spec.output());
                refillLater();
                return w;
            }
        }
        synchronized (this) {
            failuresInARow = 0; // a request: worth trying again
        }
        refill();
        return spawn.start(spec);
    }

    /** Whether a worker started from the template can serve {@code spec}. */
    private boolean servesFromIdle(LaunchSpec spec) {
        return spec.isJava() && spec.environment().isEmpty() && spec.directory() == null
                && spec.jvmOptions().equals(template.jvmOptions()) && spec.transport() == template.transport()
                && spec.maxFrameBytes() == template.maxFrameBytes();
    }

    /** The oldest idle worker still alive, or {@code null}. */
    private StartedWorker take() {
        List<StartedWorker> dead = new ArrayList<>();
        StartedWorker found = null;
        synchronized (this) {
            while (!idle.isEmpty()) {
                StartedWorker w = idle.pollFirst();
                if (w.process().isAlive() && !w.connection().closed().isDone()) {
                    found = w;
                    break;
                }
                dead.add(w);
            }
        }
        dead.forEach(WarmStarter::end);
        return found;
    }

    /** Refills after a hand-out, a little later and when a CPU is idle (see {@link IdleCpu}). */
    private void refillLater() {
        IdleCpu.run(spawner, this::refill, REFILL_DELAY_MILLIS);
    }

    /** Spawns workers in the background until {@code size} are idle or on their way. */
    private void refill() {
        synchronized (this) {
            if (closed || failuresInARow >= MAX_FAILURES_IN_A_ROW) {
                return;
            }
            int missing = size - idle.size() - starting;
            if (missing <= 0) {
                return;
            }
            starting += missing;
            for (int i = 0; i < missing; i++) {
                spawner.execute(this::startOne);
            }
        }
    }

    private void startOne() {
        String name = "warm-" + NUMBER.incrementAndGet();
        StartedWorker w;
        try {
            w = spawn.start(new LaunchSpec(name + "-" + UUID.randomUUID().toString().substring(0, 8), name,
                    template.jvmOptions(), template.environment(), template.directory(), 0, template.maxFrameBytes(),
                    template.output(), template.callbacks(), template.transport(), template.command(), true));
        } catch (IOException | RuntimeException e) {
            settled(null, e);
            return;
        }
        w.connection().helloArrived().whenComplete((hello, e) -> settled(w, e));
    }

    private void settled(StartedWorker w, Throwable failure) {
        boolean keep;
        synchronized (this) {
            starting--;
            keep = failure == null && !closed;
            if (keep) {
                idle.addLast(w);
                failuresInARow = 0;
            } else if (failure != null) {
                failuresInARow++;
            }
        }
        if (!keep && w != null) {
            end(w);
        }
        if (failure != null) {
            System.err.println("procwire: a warm worker could not be started ahead: " + failure.getMessage());
            refill();
        }
    }

    private static void end(StartedWorker w) {
        w.connection().transport().shutdownNow("warm worker not needed");
        w.process().destroy();
    }

    /** Ends the idle workers and closes the underlying starter. Idempotent. */
    @Override
    public void close() {
        List<StartedWorker> ending;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            ending = new ArrayList<>(idle);
            idle.clear();
        }
        spawner.shutdown();
        ending.forEach(WarmStarter::end);
        spawn.close();
    }
}
