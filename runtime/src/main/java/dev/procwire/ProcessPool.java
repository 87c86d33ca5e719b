package dev.procwire;

import dev.procwire.codec.Codecs;
import dev.procwire.codec.ValueCodec;
import dev.procwire.internal.BatchColumns;
import dev.procwire.internal.PoolCore;
import dev.procwire.internal.ProcessFields;
import dev.procwire.internal.Protocol;
import dev.procwire.internal.SegmentedList;
import dev.procwire.internal.WorkerSetup;
import dev.procwire.proto.v1.Batch;
import dev.procwire.proto.v1.BatchResult;
import dev.procwire.proto.v1.Column;
import dev.procwire.proto.v1.Outcome;
import dev.procwire.proto.v1.Payload;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A pool of worker processes: the counterpart of Python's {@code multiprocessing.Pool}.
 *
 * <p>{@link #apply}, {@link #applyAsync}, {@link #map}, {@link #mapAsync}, {@link #imap},
 * {@link #imapUnordered} and {@link #starmap} behave as Python's do, with {@code chunksize}
 * (Python's heuristic when not given), {@code maxTasksPerChild} and an initializer. What Python's
 * pool does not do, this one does: a worker that dies (SIGKILL, {@code System.exit}, out of
 * memory) fails exactly the task it was running, with a {@link WorkerDiedException} naming the
 * worker, its pid and how it died, and is replaced — the pool neither hangs nor breaks; tasks
 * marked {@link Idempotent} are retried if a retry policy is set; tasks can have timeouts;
 * {@link #imap} over an endless input runs in bounded memory; cancelling a task's future
 * reaches the worker.
 *
 * <p>{@link #close()} has Python's meaning — no new tasks; queued tasks still run, then the
 * workers exit — so a try-with-resources block lets submitted work finish without waiting for
 * it; {@link #join()} waits; {@link #terminate()} stops everything now. Thread safe.
 */
public final class ProcessPool implements AutoCloseable {
    private final PoolCore core;
    private final ProcwireRuntime runtime;
    private final Duration taskTimeout;
    /** Whether the workers are procwire's Java workers, which read batch columns. */
    private final boolean columns;
    /** What the runtime holds to terminate this pool when it closes: one object, so disown finds it. */
    private final AutoCloseable owner = this::terminate;

    private ProcessPool(Builder b) {
        this.runtime = b.runtime != null ? b.runtime : ProcwireRuntime.defaultRuntime();
        this.taskTimeout = b.taskTimeout;
        this.columns = b.command.isEmpty();
        this.core = new PoolCore(runtime, new PoolCore.Config(b.namePrefix, b.processes, b.maxTasksPerChild,
                b.prefetch, b.initializer, b.initArgument, b.retryAttempts, b.taskTimeout, b.cancelGrace,
                new WorkerSetup(b.jvmOptions, b.environment, b.directory, b.transport, b.command)));
        runtime.own(owner);
        core.terminated().thenRun(() -> runtime.disown(owner));
    }

    /** A pool of {@code processes} workers with default options. */
    public static ProcessPool create(int processes) {
        return builder().processes(processes).build();
    }

    /** A pool with one worker per available processor, as Python's {@code Pool()}. */
    public static ProcessPool create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options of a pool. Not thread safe. */
    public static final class Builder {
        private int processes = Runtime.getRuntime().availableProcessors();
        private int maxTasksPerChild;
        private int prefetch = 0;
        private String initializer;
        private Payload initArgument = Payload.getDefaultInstance();
        private int retryAttempts;
        private Duration taskTimeout;
        private Duration cancelGrace = Duration.ofSeconds(2);
        private ProcwireRuntime runtime;
        private String namePrefix = "SpawnPoolWorker";
        private final List<String> jvmOptions = new ArrayList<>();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private Path directory;
        private WorkerTransport transport;
        private List<String> command = List.of();

        private Builder() {}

        /** Number of worker processes; default: the number of available processors. */
        public Builder processes(int processes) {
            if (processes < 1) {
                throw new IllegalArgumentException("processes must be at least 1, got " + processes);
            }
            this.processes = processes;
            return this;
        }

        /** A worker is replaced after this many tasks (Python's maxtasksperchild); 0: never. */
        public Builder maxTasksPerChild(int max) {
            if (max < 0) {
                throw new IllegalArgumentException("maxTasksPerChild must be 0 (no limit) or positive, got " + max);
            }
            this.maxTasksPerChild = max;
            return this;
        }

        /** Runs {@code task.call(argument)} in every worker before it takes tasks. */
        public <A> Builder initializer(Class<? extends Task<A, ?>> task, A argument) {
            this.initializer = Protocol.JAVA_PREFIX + Objects.requireNonNull(task, "task").getName();
            this.initArgument = Codecs.encode(argument);
            return this;
        }

        /** Runs the registered function {@code name} in every worker before it takes tasks. */
        public Builder initializer(String function, Object argument) {
            this.initializer = Functions.checkName(function);
            this.initArgument = Codecs.encode(argument);
            return this;
        }

        /**
         * Runs a task marked {@link Idempotent} up to {@code attempts} more times when the worker
         * running it dies. Default 0: no retries.
         */
        public Builder retry(int attempts) {
            if (attempts < 0) {
                throw new IllegalArgumentException("retry attempts must not be negative, got " + attempts);
            }
            this.retryAttempts = attempts;
            return this;
        }

        /** Every task's time budget; past it the task fails with {@link TaskTimeoutException}. */
        public Builder taskTimeout(Duration timeout) {
            if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
                throw new IllegalArgumentException("task timeout must be positive, got " + timeout);
            }
            this.taskTimeout = timeout;
            return this;
        }

        /** How long a cancelled or timed-out task's worker has to stop it before it is killed; default 2 s. */
        public Builder cancelGrace(Duration grace) {
            this.cancelGrace = Objects.requireNonNull(grace, "grace");
            return this;
        }

        /**
         * Tasks a worker holds at once: one runs, the rest wait in the worker. By default it
         * adapts to the tasks: about a millisecond of work by their recent service time, from 2
         * (long tasks: one runs, one waits) to 64 (tiny ones stream without waiting for answers).
         * A fixed number here turns that off; 1 means no task ever waits behind another.
         */
        public Builder prefetch(int prefetch) {
            if (prefetch < 1) {
                throw new IllegalArgumentException("prefetch must be at least 1, got " + prefetch);
            }
            this.prefetch = prefetch;
            return this;
        }

        public Builder runtime(ProcwireRuntime runtime) {
            this.runtime = Objects.requireNonNull(runtime, "runtime");
            return this;
        }

        /** Workers are named {@code prefix-N}; default {@code SpawnPoolWorker}, as in Python. */
        public Builder namePrefix(String prefix) {
            this.namePrefix = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        public Builder jvmOptions(String... options) {
            jvmOptions.addAll(List.of(options));
            return this;
        }

        public Builder putEnvironment(String key, String value) {
            environment.put(key, value);
            return this;
        }

        public Builder directory(Path directory) {
            this.directory = directory;
            return this;
        }

        /** Connects the workers by {@code transport} instead of the runtime's default. */
        public Builder transport(WorkerTransport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /**
         * Runs each worker as {@code command} (a program and its arguments) instead of procwire's
         * Java worker: a worker in another language that speaks the procwire protocol, such as
         * {@code python3 -m procwire_worker --module mymodule}. Tasks are then given by function
         * name ({@link #apply(String, Object)}, {@link #map(String, Iterable)}, ...).
         *
         * @throws IllegalArgumentException if the command is empty or has a null argument
         */
        public Builder command(List<String> command) {
            this.command = WorkerSetup.checkCommand(command);
            return this;
        }

        /** As {@link #command(List)}. */
        public Builder command(String... command) {
            return command(List.of(command));
        }

        public ProcessPool build() {
            return new ProcessPool(this);
        }
    }

    /** The number of worker processes. */
    public int processes() {
        return core.processes();
    }

    // ---- apply

    /** Runs {@code task.call(argument)} in a worker and waits for the result (Python's {@code apply}). */
    public <A, R> R apply(Class<? extends Task<A, R>> task, A argument) {
        return await(submitOne(function(task), argument, idempotent(task)));
    }

    /** Runs the registered function {@code function} in a worker and waits for its result. */
    public Object apply(String function, Object argument) {
        return await(submitOne(Functions.checkName(function), argument, false));
    }

    /** Runs {@code task.call(argument)} in a worker (Python's {@code apply_async}). */
    public <A, R> TaskFuture<R> applyAsync(Class<? extends Task<A, R>> task, A argument) {
        return future(submitOne(function(task), argument, idempotent(task)), this::decode);
    }

    /** As {@link #applyAsync(Class, Object)}, calling {@code callback} or {@code errorCallback} at the end. */
    public <A, R> TaskFuture<R> applyAsync(Class<? extends Task<A, R>> task, A argument,
                                           Consumer<? super R> callback, Consumer<? super Throwable> errorCallback) {
        TaskFuture<R> f = applyAsync(task, argument);
        f.whenComplete((r, e) -> {
            if (e == null) {
                callback.accept(r);
            } else {
                errorCallback.accept(e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
            }
        });
        return f;
    }

    /** Runs the registered function {@code function} in a worker. */
    public TaskFuture<Object> applyAsync(String function, Object argument) {
        return future(submitOne(Functions.checkName(function), argument, false), this::decode);
    }

    // ---- map

    /**
     * Python's {@code map}: the results in order, as an unmodifiable list (copy it to change it);
     * the first failure (in order) is thrown.
     */
    public <A, R> List<R> map(Class<? extends Task<A, R>> task, Iterable<? extends A> items) {
        return map(task, items, 0);
    }

    /** As {@link #map(Class, Iterable)} with {@code chunksize} items per message (0: Python's heuristic). */
    public <A, R> List<R> map(Class<? extends Task<A, R>> task, Iterable<? extends A> items, int chunksize) {
        return await(mapAsync(task, items, chunksize));
    }

    /** Python's {@code map_async}. */
    public <A, R> CompletableFuture<List<R>> mapAsync(Class<? extends Task<A, R>> task, Iterable<? extends A> items) {
        return mapAsync(task, items, 0);
    }

    /** Python's {@code map_async} with {@code chunksize} (0: Python's heuristic). */
    public <A, R> CompletableFuture<List<R>> mapAsync(Class<? extends Task<A, R>> task, Iterable<? extends A> items,
                                                      int chunksize) {
        return mapNamed(function(task), idempotent(task), items, chunksize);
    }

    /** Python's {@code map} of the function registered as {@code function} (any worker language). */
    public List<Object> map(String function, Iterable<?> items) {
        return map(function, items, 0);
    }

    /** As {@link #map(String, Iterable)} with {@code chunksize} items per message (0: Python's heuristic). */
    public List<Object> map(String function, Iterable<?> items, int chunksize) {
        return await(mapAsync(function, items, chunksize));
    }

    /** Python's {@code map_async} of a registered function, with {@code chunksize} (0: Python's heuristic). */
    public CompletableFuture<List<Object>> mapAsync(String function, Iterable<?> items, int chunksize) {
        return mapNamed(Functions.checkName(function), false, items, chunksize);
    }

    /** Python's {@code imap} of a registered function. */
    public ResultIterator<Object> imap(String function, Iterable<?> items, int chunksize) {
        return new ResultIterator<>(Functions.checkName(function), items.iterator(), checkChunksize(chunksize), false,
                true);
    }

    /** Python's {@code imap_unordered} of a registered function. */
    public ResultIterator<Object> imapUnordered(String function, Iterable<?> items, int chunksize) {
        return new ResultIterator<>(Functions.checkName(function), items.iterator(), checkChunksize(chunksize), false,
                false);
    }

    /** Python's {@code starmap} of a registered function: each list is the argument of one call. */
    public List<Object> starmap(String function, Iterable<? extends List<?>> argumentLists, int chunksize) {
        return map(function, argumentLists, chunksize);
    }

    private <R> CompletableFuture<List<R>> mapNamed(String function, boolean idempotent, Iterable<?> items,
                                                    int chunksize) {
        if (chunksize < 0) {
            throw new IllegalArgumentException("chunksize must be 0 (Python's heuristic) or positive, got " + chunksize);
        }
        // No copy of the items in one array: a long one would be a humongous object (SegmentedList).
        Iterable<?> source = items instanceof Collection<?> ? items : SegmentedList.copyOf(items);
        int count = ((Collection<?>) source).size();
        int size = chunksize > 0 ? chunksize : defaultChunksize(count);
        List<ChunkArguments> encoded = new ArrayList<>(); // all of them before any is sent: a bad item sends nothing
        int pieceCapacity = Math.min(size, count);
        List<Object> piece = new ArrayList<>(pieceCapacity);
        for (Object item : source) {
            piece.add(item);
            if (piece.size() == size) {
                encoded.add(encodeChunk(piece));
                piece = new ArrayList<>(pieceCapacity);
            }
        }
        if (!piece.isEmpty()) {
            encoded.add(encodeChunk(piece));
        }
        int total = encoded.stream().mapToInt(ChunkArguments::size).sum();
        List<Chunk<R>> chunks = new ArrayList<>(encoded.size());
        for (ChunkArguments arguments : encoded) {
            chunks.add(chunk(function, arguments, idempotent));
        }
        List<PoolCore.Job> jobs = jobsOf(chunks);
        core.submitAll(jobs);
        CompletableFuture<?>[] answers = jobs.stream().map(j -> j.answer).toArray(CompletableFuture[]::new);
        TaskFuture<List<R>> result = new TaskFuture<>(core, jobs);
        CompletableFuture.allOf(answers).whenCompleteAsync((v, e) -> {
            try {
                SegmentedList.Builder<R> out = new SegmentedList.Builder<>(total);
                for (Chunk<R> c : chunks) {
                    Results<R> results = c.results();
                    for (int i = 0; i < results.size(); i++) {
                        out.add(results.get(i));
                    }
                }
                result.complete(out.build());
            } catch (RuntimeException t) {
                result.completeExceptionally(t);
            }
        }, runtime.userCallbacks());
        return result;
    }

    /**
     * Python's {@code imap}: results in order, computed as the iterator is consumed; at most a
     * bounded number of chunks is in flight, so an endless input runs in bounded memory. A
     * failed item throws from {@code next()}; iteration may go on past it.
     */
    public <A, R> ResultIterator<R> imap(Class<? extends Task<A, R>> task, Iterable<? extends A> items) {
        return imap(task, items, 1);
    }

    /** Python's {@code imap} with {@code chunksize}. */
    public <A, R> ResultIterator<R> imap(Class<? extends Task<A, R>> task, Iterable<? extends A> items, int chunksize) {
        return new ResultIterator<>(function(task), items.iterator(), checkChunksize(chunksize), idempotent(task), true);
    }

    /** Python's {@code imap_unordered}: results as they come. */
    public <A, R> ResultIterator<R> imapUnordered(Class<? extends Task<A, R>> task, Iterable<? extends A> items) {
        return imapUnordered(task, items, 1);
    }

    /** Python's {@code imap_unordered} with {@code chunksize}. */
    public <A, R> ResultIterator<R> imapUnordered(Class<? extends Task<A, R>> task, Iterable<? extends A> items,
                                                  int chunksize) {
        return new ResultIterator<>(function(task), items.iterator(), checkChunksize(chunksize), idempotent(task), false);
    }

    /**
     * Python's {@code starmap}: each element is the argument list of one call, given to a task
     * that takes a {@code List}.
     */
    public <R> List<R> starmap(Class<? extends Task<List<Object>, R>> task, Iterable<? extends List<?>> argumentLists) {
        return starmap(task, argumentLists, 0);
    }

    /** Python's {@code starmap} with {@code chunksize}. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public <R> List<R> starmap(Class<? extends Task<List<Object>, R>> task, Iterable<? extends List<?>> argumentLists,
                               int chunksize) {
        return (List<R>) map((Class) task, (Iterable) argumentLists, chunksize);
    }

    /** Python's {@code starmap_async}. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public <R> CompletableFuture<List<R>> starmapAsync(Class<? extends Task<List<Object>, R>> task,
                                                       Iterable<? extends List<?>> argumentLists) {
        return (CompletableFuture<List<R>>) (CompletableFuture) mapAsync((Class) task, (Iterable) argumentLists, 0);
    }

    // ---- lifecycle

    /** No new tasks; those queued still run, then the workers exit (Python's {@code close}). Idempotent. */
    @Override
    public void close() {
        core.close();
    }

    /** Waits for the workers to exit; call {@link #close()} or {@link #terminate()} first, as in Python. */
    public void join() throws InterruptedException {
        try {
            core.terminated().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** As {@link #join()}, waiting at most {@code timeout}; returns whether the workers have exited. */
    public boolean join(Duration timeout) throws InterruptedException {
        try {
            core.terminated().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Stops at once: queued and running tasks fail with a CancellationException; workers are ended. */
    public void terminate() {
        core.terminate();
    }

    /** Completes when the pool was closed or terminated and every worker has exited. */
    public CompletableFuture<Void> onTermination() {
        return core.terminated().copy();
    }

    // ---- actors

    /**
     * Creates an actor of class {@code type} in the least loaded worker and waits until it is
     * built: the worker calls the class's no-argument constructor, then {@link Actor#init} with
     * {@code initArgument}. The actor lives until {@link ActorRef#stop() stopped} or until its
     * worker ends: the pool closed or terminated, or the worker died or retired after
     * {@code maxTasksPerChild} tasks (see {@link ActorRef}).
     *
     * @throws RemoteException if the worker could not build it: {@code NOT_FOUND}, or
     *     {@code TASK_FAILED} with what the constructor or {@code init} threw
     * @throws IllegalArgumentException if another process cannot build the class
     * @throws IllegalStateException if the pool is closed or terminated
     */
    public <M, R> ActorRef<M, R> actorOf(Class<? extends Actor<M, R>> type, Object initArgument) {
        return await(actorOfAsync(type, initArgument));
    }

    /** As {@link #actorOf(Class, Object)} with no init argument. */
    public <M, R> ActorRef<M, R> actorOf(Class<? extends Actor<M, R>> type) {
        return actorOf(type, null);
    }

    /** As {@link #actorOf(Class, Object)}, for a kind registered in the workers with {@link Actors#register}. */
    public <M, R> ActorRef<M, R> actorOf(String registeredName, Object initArgument) {
        return await(this.<M, R>actorOfAsync(registeredName, initArgument));
    }

    /** As {@link #actorOf(Class, Object)}, without waiting: the future fails as that method would throw. */
    public <M, R> CompletableFuture<ActorRef<M, R>> actorOfAsync(Class<? extends Actor<M, R>> type, Object initArgument) {
        String why = ProcessFields.whyNotRebuildable(Objects.requireNonNull(type, "type"));
        if (why != null) {
            throw new IllegalArgumentException("actor class " + type.getName() + " " + why);
        }
        return newActor(Protocol.JAVA_PREFIX + type.getName(), ActorRef.nameOf(type), initArgument);
    }

    /** As {@link #actorOf(String, Object)}, without waiting. */
    public <M, R> CompletableFuture<ActorRef<M, R>> actorOfAsync(String registeredName, Object initArgument) {
        return newActor(Actors.checkName(registeredName), registeredName, initArgument);
    }

    private <M, R> CompletableFuture<ActorRef<M, R>> newActor(String kind, String name, Object initArgument) {
        Payload init = Codecs.encode(initArgument);
        return core.pickWorker().thenComposeAsync(
                worker -> ActorRef.<M, R>create(worker, kind, name, init, runtime.userCallbacks()), runtime.userCallbacks());
    }

    // ---- for ProcessPoolExecutor and tests

    /**
     * Runs a {@link java.util.concurrent.Callable}'s {@code call()} or a {@link Runnable}'s
     * {@code run()} in a worker, which rebuilds the object from its class and carried fields (see
     * {@link ProcessPoolExecutor}). The future gives the callable's result, or
     * {@code runnableResult} for a runnable.
     *
     * @throws IllegalArgumentException if a worker cannot rebuild it
     */
    <R> TaskFuture<R> applyRebuilt(Object task, R runnableResult) {
        Class<?> type = task.getClass();
        String kind = task instanceof java.util.concurrent.Callable<?> ? "Callable" : "Runnable";
        String why = REBUILDABLE.get(type);
        if (!why.isEmpty()) {
            throw new IllegalArgumentException("a " + kind + " runs in a worker process, which rebuilds it from its "
                    + "class and fields; " + type.getName() + " " + why + ". Give an object of a top-level or static "
                    + "nested class with a no-argument constructor whose fields are plain data, or a Task class "
                    + "and its argument: submit(MyTask.class, argument)");
        }
        Payload fields;
        try {
            fields = ValueCodec.INSTANCE.encode(ProcessFields.capture(task, Object.class));
        } catch (ProcwireException e) {
            throw new IllegalArgumentException(kind + " " + type.getName() + ": " + e.getMessage(), e);
        }
        PoolCore.Job job = new PoolCore.Job(Protocol.JAVA_PREFIX + type.getName(), fields, idempotent(type), taskTimeout);
        core.submit(job);
        return future(job, task instanceof java.util.concurrent.Callable<?> ? this::decode : payload -> runnableResult);
    }

    /**
     * Takes back every task not yet given to a worker, in order, marked cancelled; the caller
     * must complete their answers.
     */
    List<PoolCore.Job> drainQueue() {
        return core.drainQueue();
    }

    /** The pids of the live workers. */
    List<Long> workerPids() {
        return core.workerPids();
    }

    // ---- internals

    /** Why a worker cannot rebuild a class ({@link ProcessFields#whyNotRebuildable}), or "" if it can. */
    private static final ClassValue<String> REBUILDABLE = new ClassValue<>() {
        @Override
        protected String computeValue(Class<?> type) {
            String why = ProcessFields.whyNotRebuildable(type);
            return why == null ? "" : why;
        }
    };

    private static String function(Class<?> task) {
        String why = REBUILDABLE.get(Objects.requireNonNull(task, "task"));
        if (!why.isEmpty()) {
            throw new IllegalArgumentException("task class " + task.getName() + " " + why);
        }
        return Protocol.JAVA_PREFIX + task.getName();
    }

    private static boolean idempotent(Class<?> task) {
        return task.isAnnotationPresent(Idempotent.class);
    }

    private static int checkChunksize(int chunksize) {
        if (chunksize < 1) {
            throw new IllegalArgumentException("chunksize must be at least 1, got " + chunksize);
        }
        return chunksize;
    }

    /** Python's heuristic: about four chunks per worker. */
    int defaultChunksize(int items) {
        if (items == 0) {
            return 1;
        }
        int per = processes() * 4;
        return items / per + (items % per == 0 ? 0 : 1);
    }

    private static List<Payload> encodeAll(List<?> items) {
        List<Payload> out = new ArrayList<>(items.size());
        for (Object item : items) {
            out.add(Codecs.encode(item));
        }
        return out;
    }

    /**
     * A chunk's arguments, encoded: as a column when there are several, they allow one and the
     * pool's workers are procwire's Java workers (which read columns: PROTOCOL.md §5.2), else as
     * a Payload each. {@code items} stays for a worker that turns out not to read columns.
     */
    private record ChunkArguments(List<?> items, Column column, List<Payload> payloads) {
        int size() {
            return items.size();
        }
    }

    private ChunkArguments encodeChunk(List<?> items) {
        if (items.size() > 1 && columns) {
            Column column = BatchColumns.encode(items);
            if (column != null) {
                return new ChunkArguments(items, column, null);
            }
        }
        return new ChunkArguments(items, null, encodeAll(items));
    }

    private static Payload batchPayload(Batch batch) {
        return Payload.newBuilder().setContentType(Protocol.BATCH_TYPE).setData(batch.toByteString()).build();
    }

    private PoolCore.Job submitOne(String function, Object argument, boolean idempotent) {
        PoolCore.Job job = new PoolCore.Job(function, Codecs.encode(argument), idempotent, taskTimeout);
        core.submit(job);
        return job;
    }

    @SuppressWarnings("unchecked")
    private <R> R decode(Payload payload) {
        return (R) Codecs.decode(payload);
    }

    private <R> TaskFuture<R> future(PoolCore.Job job, java.util.function.Function<Payload, R> decode) {
        TaskFuture<R> f = new TaskFuture<>(core, List.of(job));
        job.answer.whenCompleteAsync((payload, e) -> {
            if (e != null) {
                f.completeExceptionally(e);
                return;
            }
            try {
                f.complete(decode.apply(payload));
            } catch (RuntimeException t) {
                f.completeExceptionally(t);
            }
        }, runtime.userCallbacks());
        return f;
    }

    /** Waits for a job and decodes its value, throwing its failure as it came. */
    private <R> R await(PoolCore.Job job) {
        return decode(await(job.answer));
    }

    private static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for a task");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new ProcwireException(cause.toString(), cause);
        }
    }

    /** The outcome of one item: its value or its failure. */
    /**
     * A chunk's results, item by item, without an object per item: the values as they came,
     * and the failures where there are any. {@link #get} gives an item's value or throws its
     * failure.
     */
    private static final class Results<R> {
        private final List<?> values; // null when every item failed alike
        private final RuntimeException[] errors; // null when none failed; else per item, null if it succeeded
        private final RuntimeException allFailed;
        private final int size;

        private Results(List<?> values, RuntimeException[] errors, RuntimeException allFailed, int size) {
            this.values = values;
            this.errors = errors;
            this.allFailed = allFailed;
            this.size = size;
        }

        static <R> Results<R> of(List<?> values) {
            return new Results<>(values, null, null, values.size());
        }

        static <R> Results<R> failed(RuntimeException e, int size) {
            return new Results<>(null, null, e, size);
        }

        int size() {
            return size;
        }

        @SuppressWarnings("unchecked")
        R get(int i) {
            if (allFailed != null) {
                throw allFailed;
            }
            if (errors != null && errors[i] != null) {
                throw errors[i];
            }
            return (R) values.get(i);
        }
    }

    /** Some items sent as one message: one plain Submit for one item, a Batch for more. */
    private final class Chunk<R> {
        final PoolCore.Job job;
        final int size;

        Chunk(PoolCore.Job job, int size) {
            this.job = job;
            this.size = size;
        }

        /** Waits for the chunk; its results, failures included. */
        Results<R> results() {
            Payload payload;
            try {
                payload = await(job.answer);
            } catch (RuntimeException e) {
                return Results.failed(e, size);
            }
            if (size == 1 && !payload.getContentType().startsWith(Protocol.BATCH_RESULT_TYPE)) {
                return Results.of(java.util.Collections.singletonList(decode(payload)));
            }
            BatchResult batch;
            try {
                batch = BatchResult.parseFrom(payload.getData());
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new ProcwireException("a worker sent a bad batch result: " + e.getMessage(), e);
            }
            int count = batch.hasColumn() ? BatchColumns.size(batch.getColumn()) : batch.getOutcomesCount();
            if (count != size) {
                throw new ProcwireException("a worker answered a batch of " + size + " arguments with " + count
                        + " results");
            }
            if (batch.hasColumn()) {
                return Results.of(BatchColumns.decode(batch.getColumn()));
            }
            List<Object> values = new ArrayList<>(size);
            RuntimeException[] errors = null;
            for (dev.procwire.proto.v1.Outcome o : batch.getOutcomesList()) {
                if (o.hasError()) {
                    if (errors == null) {
                        errors = new RuntimeException[size];
                    }
                    errors[values.size()] = new RemoteException(o.getError());
                    values.add(null);
                } else {
                    values.add(decode(o.getValue()));
                }
            }
            return new Results<>(values, errors, null, size);
        }
    }


    private static List<PoolCore.Job> jobsOf(List<? extends Chunk<?>> chunks) {
        List<PoolCore.Job> jobs = new ArrayList<>(chunks.size());
        for (Chunk<?> c : chunks) {
            jobs.add(c.job);
        }
        return jobs;
    }

    /** A chunk of {@code args}, not yet submitted. */
    private <R> Chunk<R> chunk(String function, ChunkArguments args, boolean idempotent) {
        PoolCore.Job job;
        if (args.column() != null) {
            job = new PoolCore.Job(Protocol.BATCH_FUNCTION,
                    batchPayload(Batch.newBuilder().setFunction(function).setColumn(args.column()).build()),
                    idempotent, taskTimeout);
            job.withoutColumns(() -> batchPayload(Batch.newBuilder().setFunction(function)
                    .addAllArguments(encodeAll(args.items())).build()));
        } else if (args.size() == 1) {
            job = new PoolCore.Job(function, args.payloads().get(0), idempotent, taskTimeout);
        } else {
            job = new PoolCore.Job(Protocol.BATCH_FUNCTION,
                    batchPayload(Batch.newBuilder().setFunction(function).addAllArguments(args.payloads()).build()),
                    idempotent, taskTimeout);
        }
        return new Chunk<>(job, args.size());
    }

    /**
     * The results of {@link #imap} or {@link #imapUnordered}: an {@link Iterator} that sends
     * work as it is consumed, with at most a bounded number of chunks in flight. Not thread safe.
     *
     * @param <R> the result type
     */
    public final class ResultIterator<R> implements Iterator<R> {
        private final String function;
        private final Iterator<?> source;
        private final int chunksize;
        private final boolean idempotent;
        private final boolean ordered;
        private final ArrayDeque<Chunk<R>> inFlight = new ArrayDeque<>();
        private final LinkedBlockingQueue<Chunk<R>> completed = new LinkedBlockingQueue<>();
        private Results<R> ready; // the results being handed out, from readyAt on
        private int readyAt;
        /** Why the pool took no more chunks (it was closed or terminated): the input stops there. */
        private IllegalStateException refused;

        ResultIterator(String function, Iterator<?> source, int chunksize, boolean idempotent, boolean ordered) {
            this.function = function;
            this.source = source;
            this.chunksize = chunksize;
            this.idempotent = idempotent;
            this.ordered = ordered;
            fill();
            if (refused != null) {
                throw refused;
            }
        }

        private void fill() {
            // Chunks in flight: enough to keep every worker's prefetch full twice over, bounded so
            // that an endless input runs in bounded memory.
            int window = Math.max(4, core.processes() * core.prefetch() * 2);
            List<Chunk<R>> more = new ArrayList<>();
            while (refused == null && inFlight.size() + more.size() < window && source.hasNext()) {
                List<Object> items = new ArrayList<>(chunksize);
                while (items.size() < chunksize && source.hasNext()) {
                    items.add(source.next());
                }
                more.add(chunk(function, encodeChunk(items), idempotent));
            }
            if (more.isEmpty()) {
                return;
            }
            try {
                core.submitAll(jobsOf(more)); // all at once: see PoolCore.submitAll
            } catch (IllegalStateException e) {
                // The items already sent are still answered; the rest of the input cannot run.
                refused = new IllegalStateException(e.getMessage() + ": this imap pulls its input lazily, so the "
                        + "items not sent before the pool was closed cannot run; consume an imap before closing "
                        + "its pool, or use map", e);
                return;
            }
            for (Chunk<R> chunk : more) {
                inFlight.addLast(chunk);
                if (!ordered) {
                    chunk.job.answer.whenComplete((v, e) -> completed.add(chunk));
                }
            }
        }

        private boolean hasReady() {
            return ready != null && readyAt < ready.size();
        }

        @Override
        public boolean hasNext() {
            return hasReady() || !inFlight.isEmpty() || refused != null || source.hasNext();
        }

        /**
         * The next result. Throws the item's failure if it failed, and
         * {@link IllegalStateException} once the results of the items sent are used up if the pool
         * was closed or terminated before the input was.
         */
        @Override
        public R next() {
            if (!hasReady()) {
                if (refused != null && inFlight.isEmpty()) {
                    throw refused;
                }
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Chunk<R> chunk;
                if (ordered) {
                    chunk = inFlight.pollFirst();
                } else {
                    try {
                        chunk = completed.take();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new CancellationException("interrupted while waiting for a result");
                    }
                    inFlight.remove(chunk);
                }
                ready = chunk.results();
                readyAt = 0;
                fill();
            }
            return ready.get(readyAt++);
        }

        /** The rest of the results as a sequential stream. */
        public Stream<R> stream() {
            return StreamSupport.stream(Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED), false);
        }
    }
}
