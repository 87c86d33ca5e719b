package dev.procwire.internal;

import dev.procwire.ProcwireRuntime;
import dev.procwire.RemoteException;
import dev.procwire.TaskTimeoutException;
import dev.procwire.WorkerDiedException;
import dev.procwire.WorkerStartException;
import dev.procwire.proto.v1.ErrorCode;
import dev.procwire.proto.v1.Frame;
import dev.procwire.proto.v1.Payload;
import dev.procwire.proto.v1.Shutdown;
import dev.procwire.proto.v1.Submit;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The engine of a process pool: a queue of tasks, a set of serving workers, and the rules that
 * keep it going. Each worker runs one task at a time and holds at most {@code prefetch} (so the
 * next task is there when one ends); with prefetch 0 (adaptive) it holds about
 * {@link #QUEUED_WORK_NANOS} of work by the tasks' recent service time, between
 * {@link #MIN_PREFETCH} and {@link #MAX_PREFETCH} tasks: tiny tasks then stream instead of
 * waiting a round trip each, and a long task keeps at most one other waiting behind it. A worker that dies fails only the task it was running —
 * tasks queued behind it had not started and go back to the queue — and is replaced; so is a
 * worker that reached its task limit. All state is guarded by this object's lock; futures
 * complete outside it. Internal.
 */
public final class PoolCore {

    /** How a pool is made. */
    public record Config(String namePrefix, int processes, int maxTasksPerChild, int prefetch,
                         String initializer, Payload initArgument, int retryAttempts, Duration taskTimeout,
                         Duration cancelGrace, WorkerSetup setup) {
        public Config {
            if (processes < 1) {
                throw new IllegalArgumentException("a pool needs at least 1 process, got " + processes);
            }
            if (maxTasksPerChild < 0) {
                throw new IllegalArgumentException("maxTasksPerChild must be 0 (no limit) or positive, got "
                        + maxTasksPerChild);
            }
            if (prefetch < 0) {
                throw new IllegalArgumentException("prefetch must be 0 (adaptive) or positive, got " + prefetch);
            }
        }
    }

    /** Work an adaptive pool queues in each worker, by the tasks' recent service time. */
    static final long QUEUED_WORK_NANOS = 1_000_000;
    /** Tasks an adaptive pool lets a worker hold at least (one runs, one waits) and at most. */
    static final int MIN_PREFETCH = 2;
    static final int MAX_PREFETCH = 64;

    /** One task: what to run, and its answer (the Result's value payload). */
    public static final class Job {
        final String function;
        final Payload argument;
        final boolean idempotent;
        final Duration timeout;
        /** Completes with the value payload, or with the task's exception; on the I/O thread. */
        public final CompletableFuture<Payload> answer = new CompletableFuture<>();
        int attempts;
        Slot slot;
        long requestId;
        long sentAt;
        boolean cancelled;
        boolean timedOut;
        java.util.function.Supplier<Payload> withoutColumns;

        /**
         * For a batch sent as a column: how to make it without one, for a worker that did not
         * offer {@link BatchColumns#CAPABILITY}.
         */
        public void withoutColumns(java.util.function.Supplier<Payload> plain) {
            this.withoutColumns = plain;
        }

        public Job(String function, Payload argument, boolean idempotent, Duration timeout) {
            this.function = function;
            this.argument = argument;
            this.idempotent = idempotent;
            this.timeout = timeout;
        }
    }

    /** One worker of the pool. */
    private final class Slot {
        final String name;
        StartedWorker worker;
        boolean ready;
        boolean retiring;
        boolean ended;
        int done;
        int sent;
        final ArrayDeque<Job> inFlight = new ArrayDeque<>();
        boolean exitHandled;
        int seenDead;
        int lent; // things (actors) hosted by this worker, see pickWorker
        CompletableFuture<Integer> exitCode;
        long lastAnswerAt;

        Slot(String name) {
            this.name = name;
        }

        boolean accepts() {
            return ready && !retiring && !ended && inFlight.size() < prefetch()
                    && (config.maxTasksPerChild() == 0 || sent < config.maxTasksPerChild());
        }
    }

    private enum State { RUNNING, CLOSED, TERMINATED }

    private static final AtomicInteger WORKER_NUMBER = new AtomicInteger();
    private static final ScheduledExecutorService TIMERS = Executors.newSingleThreadScheduledExecutor(
            DaemonThreads.named("procwire-pool-timers"));

    private final ProcwireRuntime runtime;
    private final Config config;
    private final ArrayDeque<Job> queue = new ArrayDeque<>();
    private final List<Slot> slots = new ArrayList<>();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private final ArrayDeque<CompletableFuture<WorkerHandle>> workerWaiters = new ArrayDeque<>();
    private State state = State.RUNNING;
    private int startFailures;
    /** Recent service time of a task, nanoseconds, a moving average; 0 before the first answer. */
    private long serviceNanos;

    public PoolCore(ProcwireRuntime runtime, Config config) {
        this.runtime = runtime;
        this.config = config;
        synchronized (this) {
            replenish();
        }
        // A safety net under the exit callbacks: a worker seen dead twice in a row whose exit was
        // not handled is handled now, so its tasks can never wait forever.
        java.util.concurrent.ScheduledFuture<?> audit = TIMERS.scheduleWithFixedDelay(this::audit, 1, 1, TimeUnit.SECONDS);
        terminated.whenComplete((v, e) -> audit.cancel(false));
    }

    private void audit() {
        List<Slot> dead = new ArrayList<>();
        synchronized (this) {
            for (Slot slot : slots) {
                if (slot.worker != null && !slot.exitHandled && !slot.worker.process().isAlive()) {
                    if (++slot.seenDead >= 2) {
                        dead.add(slot);
                    }
                }
            }
        }
        dead.forEach(this::exited);
    }

    /** Tasks a worker may hold now: the configured prefetch, or the adaptive one. */
    public synchronized int prefetch() {
        if (config.prefetch() > 0) {
            return config.prefetch();
        }
        if (serviceNanos == 0) {
            return MIN_PREFETCH;
        }
        return (int) Math.max(MIN_PREFETCH, Math.min(MAX_PREFETCH, QUEUED_WORK_NANOS / serviceNanos));
    }

    /** The number of worker processes the pool keeps. */
    public int processes() {
        return config.processes();
    }

    /** Queues {@code job}; its answer completes when it ran, failed or was cancelled. */
    public void submit(Job job) {
        submitAll(List.of(job));
    }

    /**
     * Queues {@code jobs} in order, all or none, under one hold of the lock: a map of 20,000
     * tasks submitted one by one took the lock 20,000 times while the event loop, answering the
     * first of them under the same lock, wanted it too (submitting took 6-156 ms so, 3-64 ms now).
     */
    public void submitAll(List<Job> jobs) {
        List<Runnable> after = new ArrayList<>();
        synchronized (this) {
            if (state != State.RUNNING) {
                throw new IllegalStateException("the pool is " + (state == State.CLOSED ? "closed" : "terminated")
                        + "; it takes no new tasks");
            }
            queue.addAll(jobs);
            replenish();
            dispatch(after);
        }
        after.forEach(Runnable::run);
    }

    /**
     * Cancels {@code job}: a queued one is dropped; a running one is asked to stop (interrupted
     * if {@code interrupt}) and its worker is killed and replaced if it does not stop within
     * the grace period. Returns false if the job had already ended.
     */
    public boolean cancel(Job job, boolean interrupt) {
        List<Runnable> after = new ArrayList<>();
        boolean cancelled;
        synchronized (this) {
            if (job.answer.isDone() || job.cancelled) {
                return false;
            }
            job.cancelled = true;
            cancelled = true;
            if (queue.remove(job)) {
                after.add(() -> job.answer.completeExceptionally(new CancellationException("cancelled before it ran")));
            } else if (job.slot != null) {
                Slot slot = job.slot;
                long id = job.requestId;
                slot.worker.connection().transport().send(Frame.newBuilder().setCancel(
                        dev.procwire.proto.v1.Cancel.newBuilder().setRequestId(id).setInterrupt(interrupt)).build());
                after.add(() -> job.answer.completeExceptionally(new CancellationException("cancelled while running")));
                TIMERS.schedule(() -> killIfStillHolding(slot, job), config.cancelGrace().toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        after.forEach(Runnable::run);
        return cancelled;
    }

    /**
     * Takes every queued job out of the queue — none had reached a worker — and returns them in
     * order, marked cancelled. Their answers are not completed: the caller must complete them.
     */
    public List<Job> drainQueue() {
        synchronized (this) {
            List<Job> drained = new ArrayList<>(queue);
            queue.clear();
            for (Job job : drained) {
                job.cancelled = true;
            }
            if (state == State.CLOSED) {
                retireIdle();
                checkTerminated();
            }
            return drained;
        }
    }

    /** The pids of the workers that are started and not known to have ended. */
    public synchronized List<Long> workerPids() {
        List<Long> pids = new ArrayList<>();
        for (Slot slot : slots) {
            if (slot.worker != null && !slot.ended) {
                pids.add(slot.worker.process().pid());
            }
        }
        return pids;
    }

    /** No new tasks; the workers exit once every queued task has ended. Idempotent. */
    public void close() {
        List<Runnable> after = new ArrayList<>();
        synchronized (this) {
            if (state == State.RUNNING) {
                state = State.CLOSED;
                failWorkerWaiters(new IllegalStateException("the pool was closed"), after);
                retireIdle();
                checkTerminated();
            }
        }
        after.forEach(Runnable::run);
    }

    /** Stops now: queued and running tasks fail with a CancellationException, workers are ended. */
    public void terminate() {
        List<Runnable> after = new ArrayList<>();
        List<Slot> toEnd;
        synchronized (this) {
            if (state == State.TERMINATED) {
                return;
            }
            state = State.TERMINATED;
            failWorkerWaiters(new IllegalStateException("the pool was terminated"), after);
            for (Job job : queue) {
                after.add(() -> job.answer.completeExceptionally(new CancellationException("the pool was terminated")));
            }
            queue.clear();
            toEnd = new ArrayList<>(slots);
            for (Slot slot : toEnd) {
                for (Job job : slot.inFlight) {
                    after.add(() -> job.answer.completeExceptionally(new CancellationException("the pool was terminated")));
                }
                slot.inFlight.clear();
                slot.retiring = true;
            }
            checkTerminated();
        }
        after.forEach(Runnable::run);
        for (Slot slot : toEnd) {
            StartedWorker w = slot.worker;
            if (w != null) {
                w.process().destroy();
                TIMERS.schedule(() -> w.process().destroyForcibly(), runtime.terminateGrace().toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Completes when the pool was closed or terminated and every worker has exited. */
    public CompletableFuture<Void> terminated() {
        return terminated;
    }

    /**
     * Lends a live, ready worker to host something of its own (an actor): the one with the
     * least load (things lent plus tasks held), waiting for one while the pool starts. Fails if
     * the pool is closed or terminated, or if no worker can start. The handle's release() gives
     * the load back; the worker may still retire or die, which its exit code tells.
     */
    public CompletableFuture<WorkerHandle> pickWorker() {
        synchronized (this) {
            if (state != State.RUNNING) {
                return CompletableFuture.failedFuture(new IllegalStateException("the pool is "
                        + (state == State.CLOSED ? "closed" : "terminated") + "; it takes no new work"));
            }
            Slot slot = leastLoaded();
            if (slot != null) {
                return CompletableFuture.completedFuture(lend(slot));
            }
            CompletableFuture<WorkerHandle> waiter = new CompletableFuture<>();
            workerWaiters.addLast(waiter);
            replenish();
            return waiter;
        }
    }

    // ---- under the lock

    private Slot leastLoaded() {
        Slot best = null;
        for (Slot s : slots) {
            if (s.ready && !s.retiring && !s.ended && s.worker != null
                    && (best == null || s.lent + s.inFlight.size() < best.lent + best.inFlight.size())) {
                best = s;
            }
        }
        return best;
    }

    private WorkerHandle lend(Slot slot) {
        slot.lent++;
        StartedWorker w = slot.worker;
        if (slot.exitCode == null) {
            slot.exitCode = WorkerHandle.exitCodeOf(w);
        }
        java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
        return new WorkerHandle(slot.name, w.process().pid(), w.connection(), slot.exitCode, () -> {
            if (released.compareAndSet(false, true)) {
                synchronized (this) {
                    slot.lent--;
                }
            }
        });
    }

    private void serveWorkerWaiters(List<Runnable> after) {
        while (state == State.RUNNING && !workerWaiters.isEmpty()) {
            Slot slot = leastLoaded();
            if (slot == null) {
                return;
            }
            CompletableFuture<WorkerHandle> waiter = workerWaiters.pollFirst();
            WorkerHandle handle = lend(slot);
            after.add(() -> {
                if (!waiter.complete(handle)) {
                    handle.release();
                }
            });
        }
    }

    private void failWorkerWaiters(Throwable why, List<Runnable> after) {
        for (CompletableFuture<WorkerHandle> waiter : workerWaiters) {
            after.add(() -> waiter.completeExceptionally(why));
        }
        workerWaiters.clear();
    }

    /** Starts workers until the pool has its number of live, non-retiring ones. */
    private void replenish() {
        if (state != State.RUNNING) {
            return;
        }
        int live = 0; // on every submit: a loop, not a stream
        for (Slot s : slots) {
            if (!s.retiring && !s.ended) {
                live++;
            }
        }
        for (int i = live; i < config.processes(); i++) {
            spawn();
        }
    }

    private void spawn() {
        Slot slot = new Slot(config.namePrefix() + "-" + WORKER_NUMBER.incrementAndGet());
        slots.add(slot);
        CompletableFuture<StartedWorker> launched;
        try {
            launched = runtime.launch(slot.name, 1, Runnable::run, config.setup());
        } catch (RuntimeException e) {
            launched = CompletableFuture.failedFuture(e);
        }
        launched.whenComplete((w, e) -> {
            if (e != null) {
                startFailed(slot, e instanceof java.util.concurrent.CompletionException ? e.getCause() : e);
            } else {
                started(slot, w);
            }
        });
    }

    private void started(Slot slot, StartedWorker w) {
        synchronized (this) {
            slot.worker = w; // before the callbacks below: exited() reads it, and may run at once
        }
        w.process().onExit().thenRun(() -> w.connection().closed()
                .completeOnTimeout(null, 1, TimeUnit.SECONDS)
                .thenRun(() -> exited(slot)));
        w.connection().closed().thenRun(() -> {
            if (w.process().isAlive()) {
                w.process().destroyForcibly(); // the connection broke: the worker is of no more use
            }
        });
        synchronized (this) {
            if (slot.ended) {
                return; // it died already; exited() replaced it
            }
            if (state == State.TERMINATED) {
                w.process().destroyForcibly();
                return;
            }
            if (config.initializer() == null) {
                becomeReady(slot);
                return;
            }
        }
        // The initializer runs first, alone; tasks follow once it succeeded.
        w.connection().request(id -> Frame.newBuilder().setSubmit(Submit.newBuilder().setRequestId(id)
                .setFunction(config.initializer()).setArgument(config.initArgument())).build())
                .whenComplete((answer, e) -> {
                    if (answer != null && answer.hasResult()) {
                        synchronized (this) {
                            becomeReady(slot);
                        }
                    } else {
                        Throwable why = e != null ? e : new RemoteException(answer.getFailure().getError());
                        initializerFailed(slot, why);
                    }
                });
    }

    private void becomeReady(Slot slot) {
        slot.ready = true;
        startFailures = 0;
        List<Runnable> after = new ArrayList<>();
        if (state == State.CLOSED) {
            retireIdle();
        }
        dispatch(after);
        serveWorkerWaiters(after);
        TIMERS.execute(() -> after.forEach(Runnable::run));
    }

    private void initializerFailed(Slot slot, Throwable why) {
        startFailed(slot, new WorkerStartException("the initializer failed in worker " + slot.name + ": "
                + why.getMessage(), null, why));
        StartedWorker w = slot.worker;
        if (w != null) {
            w.process().destroyForcibly();
        }
    }

    /**
     * A worker could not start. If no other worker can take the queued tasks, they fail with the
     * reason rather than wait forever; the pool tries again on the next task.
     */
    private void startFailed(Slot slot, Throwable why) {
        List<Runnable> after = new ArrayList<>();
        synchronized (this) {
            slot.ended = true;
            slots.remove(slot);
            startFailures++;
            boolean anyAlive = slots.stream().anyMatch(s -> !s.ended && (s.ready || s.worker == null));
            if (!anyAlive) {
                for (Job job : queue) {
                    after.add(() -> job.answer.completeExceptionally(why));
                }
                queue.clear();
                failWorkerWaiters(why, after);
            } else if (startFailures < 3) {
                replenish();
            }
            checkTerminated();
        }
        after.forEach(Runnable::run);
    }

    /**
     * Sends queued jobs to workers with room for them. A job with a timeout goes only to a worker
     * holding nothing: its budget is counted from when the worker reads it (PROTOCOL.md §7), so
     * waiting there behind another task would eat it.
     */
    private void dispatch(List<Runnable> after) {
        if (queue.isEmpty()) {
            return;
        }
        // Idle workers first, one task each, so work spreads over the pool; only then does each
        // worker get its next task ahead (prefetch).
        for (Slot slot : slots) {
            if (slot.inFlight.isEmpty() && slot.accepts() && !queue.isEmpty()) {
                send(slot, queue.pollFirst(), after);
            }
        }
        // Then one more each, round after round, so that queued work spreads evenly too.
        boolean sent = true;
        while (sent && !queue.isEmpty()) {
            sent = false;
            for (Slot slot : slots) {
                if (slot.accepts() && !queue.isEmpty()
                        && (queue.peekFirst().timeout == null || slot.inFlight.isEmpty())) {
                    send(slot, queue.pollFirst(), after);
                    sent = true;
                }
            }
        }
    }

    private void send(Slot slot, Job job, List<Runnable> after) {
        slot.inFlight.addLast(job);
        slot.sent++;
        job.slot = slot;
        job.attempts++;
        job.sentAt = System.nanoTime();
        long timeoutMillis = job.timeout == null ? 0 : job.timeout.toMillis();
        Payload argument = job.withoutColumns != null && !slot.worker.connection().agreed(BatchColumns.CAPABILITY)
                ? job.withoutColumns.get() : job.argument;
        CompletableFuture<Frame> answer = slot.worker.connection().request(id -> {
            job.requestId = id;
            return Frame.newBuilder().setSubmit(Submit.newBuilder().setRequestId(id).setFunction(job.function)
                    .setArgument(argument).setDeadlineMillis(timeoutMillis)).build();
        });
        answer.whenComplete((frame, e) -> answered(slot, job, frame));
        if (timeoutMillis > 0) {
            // The worker stops the task at its deadline; if it cannot, the worker is killed.
            TIMERS.schedule(() -> {
                synchronized (this) {
                    if (job.slot == slot && slot.inFlight.contains(job)) {
                        job.timedOut = true;
                    }
                }
                killIfStillHolding(slot, job);
            }, timeoutMillis + config.cancelGrace().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void killIfStillHolding(Slot slot, Job job) {
        StartedWorker w;
        synchronized (this) {
            if (job.slot != slot || !slot.inFlight.contains(job)) {
                return;
            }
            w = slot.worker;
        }
        w.process().destroyForcibly();
    }

    private void answered(Slot slot, Job job, Frame frame) {
        if (frame == null) {
            return; // the worker died: exited() decides this job's fate
        }
        List<Runnable> after = new ArrayList<>();
        synchronized (this) {
            if (!slot.inFlight.remove(job)) {
                return;
            }
            slot.done++;
            job.slot = null;
            // The task began when it was sent or when the one before it in this worker ended.
            long now = System.nanoTime();
            long service = now - Math.max(job.sentAt, slot.lastAnswerAt);
            slot.lastAnswerAt = now;
            serviceNanos = serviceNanos == 0 ? service : serviceNanos + (service - serviceNanos) / 8;
            if (frame.hasResult()) {
                Payload value = frame.getResult().getValue();
                after.add(() -> job.answer.complete(value));
            } else {
                RemoteException error = new RemoteException(frame.getFailure().getError());
                Throwable t = error.code() == ErrorCode.DEADLINE_EXCEEDED
                        ? timeout(job, slot)
                        : error.code() == ErrorCode.CANCELLED ? new CancellationException("cancelled") : error;
                after.add(() -> job.answer.completeExceptionally(t));
            }
            if (config.maxTasksPerChild() > 0 && slot.sent >= config.maxTasksPerChild()) {
                slot.retiring = true;
                replenish();
            }
            retireIfDone(slot);
            dispatch(after);
            checkTerminated();
        }
        after.forEach(Runnable::run);
    }

    private TaskTimeoutException timeout(Job job, Slot slot) {
        return new TaskTimeoutException("task " + job.function + " ran past its timeout of " + job.timeout.toMillis()
                + " ms in worker " + slot.name);
    }

    /** In a closed pool, idle workers are let go. */
    private void retireIdle() {
        if (!queue.isEmpty()) {
            return;
        }
        for (Slot slot : slots) {
            if (slot.ready) {
                slot.retiring = true;
                retireIfDone(slot);
            }
        }
    }

    private void retireIfDone(Slot slot) {
        if (state == State.CLOSED && queue.isEmpty()) {
            slot.retiring = true;
        }
        if (slot.retiring && slot.inFlight.isEmpty() && slot.worker != null && !slot.ended) {
            slot.ended = true;
            slot.worker.connection().transport().send(Frame.newBuilder().setShutdown(Shutdown.newBuilder()
                    .setGraceful(true).setGraceMillis(runtime.terminateGrace().toMillis()).setReason("retired")).build());
        }
    }

    /** A worker process ended: expected after retiring, else a death that fails its running task. */
    private void exited(Slot slot) {
        synchronized (this) {
            if (slot.exitHandled) {
                return;
            }
            slot.exitHandled = true;
        }
        StartedWorker w = slot.worker;
        int code = ExitCodes.of(w.process().exitValue(), w.connection().exitNotice());
        List<Runnable> after = new ArrayList<>();
        synchronized (this) {
            slots.remove(slot);
            slot.ended = true;
            Job running = slot.inFlight.pollFirst();
            if (running != null) {
                Throwable why = running.timedOut ? timeout(running, slot)
                        : running.cancelled ? new CancellationException("cancelled")
                        : new WorkerDiedException(slot.name, w.process().pid(), code);
                if (!running.timedOut && !running.cancelled && running.idempotent
                        && running.attempts <= config.retryAttempts() && state == State.RUNNING) {
                    queue.addFirst(running); // retry: idempotent by the user's word
                } else {
                    after.add(() -> running.answer.completeExceptionally(why));
                }
                running.slot = null;
            }
            // Those behind it had not started: they go back, in order, to the front of the queue.
            for (Iterator<Job> it = slot.inFlight.descendingIterator(); it.hasNext(); ) {
                Job job = it.next();
                job.slot = null;
                job.attempts--;
                if (state == State.TERMINATED) {
                    after.add(() -> job.answer.completeExceptionally(new CancellationException("the pool was terminated")));
                } else {
                    queue.addFirst(job);
                }
            }
            slot.inFlight.clear();
            if (state == State.CLOSED && !queue.isEmpty()) {
                spawnForClosedPool();
            }
            if (slot.ready || config.initializer() == null) {
                replenish(); // one that died in its initializer was handled by startFailed
            }
            dispatch(after);
            checkTerminated();
        }
        after.forEach(Runnable::run);
        w.connection().failPending(id -> new WorkerDiedException(slot.name, w.process().pid(), code));
    }

    /** A closed pool still finishes its queue: if its workers died, it needs one. */
    private void spawnForClosedPool() {
        boolean anyAlive = slots.stream().anyMatch(s -> !s.ended);
        if (!anyAlive) {
            spawn();
        }
    }

    private void checkTerminated() {
        if (state == State.RUNNING || terminated.isDone()) {
            return;
        }
        if (state == State.CLOSED && (!queue.isEmpty() || slots.stream().anyMatch(s -> !s.inFlight.isEmpty()))) {
            return;
        }
        if (slots.isEmpty()) {
            TIMERS.execute(() -> terminated.complete(null));
        }
    }
}
