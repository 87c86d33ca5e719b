package dev.procwire;

import dev.procwire.internal.PoolCore;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * An {@link ExecutorService} whose tasks run in worker processes: the engine of
 * {@link ProcessPool} behind Java's executor API, the counterpart of Python's
 * {@code concurrent.futures.ProcessPoolExecutor}.
 *
 * <h2>What can be submitted</h2>
 * A task crosses a process boundary by name, never by reference. So:
 * <ul>
 * <li>{@link #submit(Class, Object)} runs a {@link Task} class with an argument, as
 *     {@link ProcessPool#applyAsync(Class, Object)} does; {@link #submit(String, Object)} runs a
 *     registered {@link Functions function}.
 * <li>{@link #submit(Callable)}, {@link #submit(Runnable)}, {@link #execute}, {@link #invokeAll}
 *     and {@link #invokeAny} take objects of a <em>class a worker can rebuild</em>: top-level or
 *     static nested, with a no-argument constructor (it may be private). The worker builds a
 *     fresh instance and sets its non-static, non-transient fields to copies of the values they
 *     held when the task was submitted — plain data: primitives, strings, byte arrays, enums,
 *     lists and maps of these, protobuf messages — then calls {@code call()} or {@code run()}.
 *     It is a copy: what the task does to its fields stays in the worker, and the object given is
 *     never touched. A callable's result comes back as data, through the payload codecs. (An
 *     object that is both a {@code Callable} and a {@code Runnable} is called with {@code call()}.)
 * <li>Lambdas, method references, anonymous, local and inner classes cannot be rebuilt in another
 *     process and are refused with an {@link IllegalArgumentException} that says why, as is an
 *     object with a field that cannot be carried (mark it {@code transient}, or set it up in
 *     {@code call()}). Nothing is submitted then.
 * </ul>
 * A class marked {@link Idempotent} is retried on another worker when its worker dies, if the
 * pool has a retry policy ({@link ProcessPool.Builder#retry}).
 *
 * <h2>Futures</h2>
 * Every submission returns a {@link TaskFuture}, a {@link CompletableFuture}. A task's exception
 * arrives as the cause of an {@link ExecutionException}: a {@link RemoteException} with the
 * remote type, message and stack trace, a {@link WorkerDiedException} naming the worker, its pid
 * and how it died (the pool replaces it and goes on), or a {@link TaskTimeoutException}.
 * {@code cancel(false)} drops a queued task; {@code cancel(true)} also interrupts a running one in
 * its worker, and a worker that does not stop within the pool's
 * {@linkplain ProcessPool.Builder#cancelGrace grace period} is killed and replaced.
 *
 * <h2>Lifecycle</h2>
 * {@link #shutdown()} takes no new tasks and lets the submitted ones finish, then the workers
 * exit ({@link ProcessPool#close()}). {@link #shutdownNow()} also takes back the tasks no worker
 * has received yet — returned as {@link NotStarted} entries, their futures cancelled — and
 * cancels with interrupt those running or waiting in a worker (a worker holds up to
 * {@linkplain ProcessPool.Builder#prefetch prefetch} tasks; for an exact split between started
 * and not started, build the pool with {@code prefetch(1)}). {@link #close()} is
 * {@code shutdown()} then {@code awaitTermination}, as in Java 19. Submitting after shutdown
 * throws {@link RejectedExecutionException}. Thread safe.
 */
public final class ProcessPoolExecutor implements ExecutorService, AutoCloseable {
    private final ProcessPool pool;
    private final CompletableFuture<Void> terminated;
    /** Every task submitted and not yet ended, by its pool job: what shutdownNow gives back. */
    private final Map<PoolCore.Job, NotStarted> unfinished = new ConcurrentHashMap<>();
    private volatile boolean shutdown;

    private ProcessPoolExecutor(ProcessPool pool) {
        this.pool = pool;
        this.terminated = pool.onTermination();
    }

    /** An executor over {@code processes} worker processes with default options. */
    public static ProcessPoolExecutor create(int processes) {
        return create(ProcessPool.builder().processes(processes));
    }

    /** An executor with one worker process per available processor. */
    public static ProcessPoolExecutor create() {
        return create(ProcessPool.builder());
    }

    /** An executor over a pool built from {@code options} (processes, timeouts, retry, JVM options...). */
    public static ProcessPoolExecutor create(ProcessPool.Builder options) {
        return new ProcessPoolExecutor(options.build());
    }

    /** The number of worker processes. */
    public int processes() {
        return pool.processes();
    }

    // ---- submit

    /** Runs {@code task.call(argument)} in a worker. */
    public <A, R> TaskFuture<R> submit(Class<? extends Task<A, R>> task, A argument) {
        Objects.requireNonNull(task, "task");
        return track(() -> pool.applyAsync(task, argument), task, argument);
    }

    /** Runs the registered function {@code function} in a worker. */
    public TaskFuture<Object> submit(String function, Object argument) {
        Objects.requireNonNull(function, "function");
        return track(() -> pool.applyAsync(function, argument), function, argument);
    }

    /**
     * Runs {@code task.call()} in a worker, on a copy rebuilt there from its class and fields.
     *
     * @throws IllegalArgumentException if a worker cannot rebuild it (a lambda, an anonymous,
     *     local or inner class, no no-argument constructor, a field that cannot be carried)
     */
    @Override
    public <T> TaskFuture<T> submit(Callable<T> task) {
        Objects.requireNonNull(task, "task");
        return track(() -> pool.applyRebuilt(task, null), task, null);
    }

    /** Runs {@code task.run()} in a worker, on a rebuilt copy; the future gives {@code result}. */
    @Override
    public <T> TaskFuture<T> submit(Runnable task, T result) {
        Objects.requireNonNull(task, "task");
        return track(() -> pool.applyRebuilt(task, result), task, null);
    }

    /** Runs {@code task.run()} in a worker, on a rebuilt copy; the future gives {@code null}. */
    @Override
    public TaskFuture<?> submit(Runnable task) {
        return submit(task, null);
    }

    /**
     * Runs {@code command.run()} in a worker, on a rebuilt copy. Its failure, having no future to
     * go to, goes to the uncaught-exception handler of a procwire callback thread, as a failure
     * in a thread pool's {@code execute} does.
     */
    @Override
    public void execute(Runnable command) {
        submit(command).whenComplete((v, e) -> {
            if (e != null && !(e instanceof CancellationException)) {
                Thread t = Thread.currentThread();
                t.getUncaughtExceptionHandler().uncaughtException(t, e);
            }
        });
    }

    private <R> TaskFuture<R> track(Supplier<TaskFuture<R>> submit, Object task, Object argument) {
        if (shutdown) {
            throw rejected(null);
        }
        TaskFuture<R> future;
        try {
            future = submit.get();
        } catch (IllegalStateException e) {
            throw rejected(e); // the pool was closed meanwhile
        }
        NotStarted entry = new NotStarted(task, argument, future);
        for (PoolCore.Job job : future.jobs()) {
            unfinished.put(job, entry);
            future.whenComplete((r, e) -> unfinished.remove(job));
        }
        return future;
    }

    private static RejectedExecutionException rejected(Throwable cause) {
        return new RejectedExecutionException("this ProcessPoolExecutor is shut down; it takes no new tasks", cause);
    }

    // ---- invokeAll, invokeAny

    /** Runs every task and waits for all of them; if interrupted, cancels those not done. */
    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks) throws InterruptedException {
        List<Future<T>> futures = submitAll(tasks);
        try {
            for (Future<T> f : futures) {
                awaitQuietly(f, Long.MAX_VALUE);
            }
        } catch (InterruptedException e) {
            cancelAll(futures);
            throw e;
        }
        return futures;
    }

    /** As {@link #invokeAll(Collection)}; tasks not done by the timeout are cancelled (with interrupt). */
    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        List<Future<T>> futures = submitAll(tasks);
        try {
            for (Future<T> f : futures) {
                if (!awaitQuietly(f, deadline - System.nanoTime())) {
                    break;
                }
            }
        } finally {
            cancelAll(futures); // only those not done
        }
        return futures;
    }

    /** The result of the first task to succeed; the others are then cancelled (with interrupt). */
    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks) throws InterruptedException, ExecutionException {
        try {
            return invokeAny(tasks, Long.MAX_VALUE, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("no timeout was given", e);
        }
    }

    /**
     * As {@link #invokeAny(Collection)}, waiting at most {@code timeout}: a {@link TimeoutException}
     * then, and every task is cancelled. If all fail, the last failure is the cause of the
     * {@link ExecutionException}.
     */
    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("invokeAny needs at least one task");
        }
        List<Future<T>> futures = submitAll(tasks);
        CompletableFuture<T> first = new CompletableFuture<>();
        AtomicInteger failures = new AtomicInteger();
        for (Future<T> f : futures) {
            ((CompletableFuture<T>) f).whenComplete((r, e) -> {
                if (e == null) {
                    first.complete(r);
                } else if (failures.incrementAndGet() == futures.size()) {
                    first.completeExceptionally(e);
                }
            });
        }
        try {
            return first.get(timeout, unit);
        } finally {
            cancelAll(futures);
        }
    }

    /** Submits every task; if one is refused, those submitted before it are cancelled. */
    private <T> List<Future<T>> submitAll(Collection<? extends Callable<T>> tasks) {
        List<Future<T>> futures = new ArrayList<>(tasks.size());
        try {
            for (Callable<T> task : tasks) {
                futures.add(submit(task));
            }
        } catch (RuntimeException e) {
            cancelAll(futures);
            throw e;
        }
        return futures;
    }

    /** Waits for {@code f} to end in any way; false if it did not within {@code nanos}. */
    private static boolean awaitQuietly(Future<?> f, long nanos) throws InterruptedException {
        try {
            f.get(Math.max(0, nanos), TimeUnit.NANOSECONDS);
        } catch (ExecutionException | CancellationException e) {
            // ended: the caller reads it from the future
        } catch (TimeoutException e) {
            return false;
        }
        return true;
    }

    private static void cancelAll(List<? extends Future<?>> futures) {
        for (Future<?> f : futures) {
            if (!f.isDone()) {
                f.cancel(true);
            }
        }
    }

    // ---- lifecycle

    /** No new tasks; those submitted still run, then the workers exit. Does not wait. Idempotent. */
    @Override
    public void shutdown() {
        shutdown = true;
        pool.close();
    }

    /**
     * No new tasks; the tasks no worker has received yet are taken back, their futures cancelled,
     * and returned in the order they were submitted; running ones (and those waiting in a worker)
     * are cancelled with interrupt. Does not wait.
     *
     * @return a {@link NotStarted} for every task taken back
     */
    @Override
    public List<Runnable> shutdownNow() {
        shutdown = true;
        List<PoolCore.Job> drained = pool.drainQueue();
        pool.close();
        List<Runnable> notStarted = new ArrayList<>();
        for (PoolCore.Job job : drained) {
            NotStarted entry = unfinished.remove(job);
            if (entry != null) {
                notStarted.add(entry);
            }
            job.answer.completeExceptionally(new CancellationException(
                    "the executor was shut down before the task started"));
        }
        for (NotStarted entry : List.copyOf(unfinished.values())) {
            entry.future.cancel(true);
        }
        return notStarted;
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    /** True once shut down and every worker has exited. */
    @Override
    public boolean isTerminated() {
        return shutdown && terminated.isDone();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        try {
            terminated.get(timeout, unit);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * {@link #shutdown()}, then waits for the workers to exit; if interrupted while waiting,
     * {@link #shutdownNow()} and waits on, keeping the interrupt status, as Java 19's
     * {@code ExecutorService.close()} does.
     */
    @Override
    public void close() {
        shutdown();
        boolean interrupted = false;
        while (true) {
            try {
                terminated.get();
                break;
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                if (!interrupted) {
                    shutdownNow();
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A task that {@link #shutdownNow()} took back before any worker received it. {@link #run()}
     * runs it here, in the calling thread: a {@code Callable}'s {@code call()} (its result is
     * dropped), a {@code Runnable}'s {@code run()}, a {@code Task} class built and called with
     * its argument, or a registered function looked up in this process.
     */
    public static final class NotStarted implements Runnable {
        private final Object task;
        private final Object argument;
        private final TaskFuture<?> future;

        NotStarted(Object task, Object argument, TaskFuture<?> future) {
            this.task = task;
            this.argument = argument;
            this.future = future;
        }

        /** What was submitted: the {@code Callable} or {@code Runnable}, the {@code Task} class or the function name. */
        public Object task() {
            return task;
        }

        /** The argument given with a {@code Task} class or function name; {@code null} otherwise. */
        public Object argument() {
            return argument;
        }

        /** The task's future, cancelled. */
        public TaskFuture<?> future() {
            return future;
        }

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public void run() {
            try {
                if (task instanceof Callable<?> c) {
                    c.call();
                } else if (task instanceof Runnable r) {
                    r.run();
                } else if (task instanceof Class<?> type) {
                    var constructor = type.getDeclaredConstructor();
                    constructor.setAccessible(true);
                    ((Task) constructor.newInstance()).call(argument);
                } else {
                    String name = (String) task;
                    ((Task) Functions.lookup(name).orElseThrow(() -> new IllegalStateException(
                            "no function named \"" + name + "\" is registered in this process"))).call(argument);
                }
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new ProcwireException(task + " failed: " + e, e);
            }
        }

        @Override
        public String toString() {
            return "NotStarted[" + (task instanceof Class<?> c ? c.getName() : task) + "]";
        }
    }
}
