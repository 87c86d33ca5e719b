package dev.procwire;

import dev.procwire.internal.ExitCodes;
import dev.procwire.proto.v1.Hello;
import dev.procwire.internal.ForkServerStarter;
import dev.procwire.internal.LaunchSpec;
import dev.procwire.internal.SpawnStarter;
import dev.procwire.internal.StartedWorker;
import dev.procwire.internal.WarmStarter;
import dev.procwire.internal.WorkerMain;
import dev.procwire.internal.WorkerSetup;
import dev.procwire.internal.WorkerStarter;
import dev.procwire.transport.internal.EventLoops;
import dev.procwire.transport.FrameLimits;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The parent side of procwire: starts workers, owns their connections, and ends them. Most
 * programs use the {@link #defaultRuntime()}; a runtime of one's own sets other options.
 *
 * <p>Closing a runtime, and the JVM's exit, end its workers as Python's multiprocessing does:
 * daemon workers are terminated (SIGTERM, then SIGKILL after a grace period), non-daemon workers
 * are joined. Thread safe; {@link #close()} is idempotent.
 */
public final class ProcwireRuntime implements AutoCloseable {
    private static final class DefaultHolder {
        static final ProcwireRuntime INSTANCE = builder().outputListener(outputFromProperty()).build();

        /** {@code -Dprocwire.output=stderr|mirror|discard} picks the default runtime's listener. */
        private static OutputListener outputFromProperty() {
            String mode = System.getProperty("procwire.output", "stderr");
            return switch (mode) {
                case "stderr" -> OutputListener.toStderr();
                case "mirror" -> OutputListener.mirror();
                case "discard" -> OutputListener.discard();
                default -> throw new IllegalArgumentException(
                        "procwire.output must be stderr, mirror or discard, not \"" + mode + "\"");
            };
        }
    }

    private final OutputListener output;
    private final Duration handshakeTimeout;
    private final Duration terminateGrace;
    private final int maxFrameBytes;
    private final List<String> jvmOptions;
    private final WorkerTransport transport;
    private final String startMethod;
    private final WorkerStarter starter;
    /** For the workers {@link #starter} does not make (see {@link WorkerStarter#serves}). */
    private final SpawnStarter spawn;
    private final Set<WorkerProcess> live = ConcurrentHashMap.newKeySet();
    private final Set<AutoCloseable> pools = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ExecutorService callbacks = Executors.newCachedThreadPool(
            dev.procwire.internal.DaemonThreads.numbered("procwire-callback"));
    private final Thread shutdownHook = new Thread(this::endWorkersAtExit, "procwire-shutdown");

    private ProcwireRuntime(Builder b) {
        this.output = b.output;
        this.handshakeTimeout = b.handshakeTimeout;
        this.terminateGrace = b.terminateGrace;
        this.maxFrameBytes = b.maxFrameBytes;
        this.jvmOptions = List.copyOf(b.jvmOptions);
        this.transport = b.transport;
        this.startMethod = b.startMethod;
        SpawnStarter spawn = new SpawnStarter(SpawnStarter.javaOfThisJvm(), b.workerClasspath, WorkerMain.class.getName(),
                b.handshakeTimeout);
        this.spawn = spawn;
        this.starter = switch (b.startMethod) {
            case "spawn" -> spawn;
            case "forkserver" -> new ForkServerStarter(SpawnStarter.javaOfThisJvm(), b.workerClasspath, jvmOptions,
                    b.handshakeTimeout);
            case "warm" -> new WarmStarter(spawn, b.warmWorkers, new LaunchSpec("", "", jvmOptions, Map.of(), null, 0,
                    maxFrameBytes, output, callbacks, transport, List.of(), true));
            default -> throw new AssertionError(b.startMethod);
        };
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** The start methods, by name, as {@link Builder#startMethod} takes them. */
    public static final List<String> START_METHODS = List.of("spawn", "forkserver", "warm");

    private static final Map<String, ProcwireRuntime> CONTEXTS = new ConcurrentHashMap<>();

    static String checkStartMethod(String name) {
        if (!START_METHODS.contains(name)) {
            throw new IllegalArgumentException("unknown start method \"" + name + "\"; valid: "
                    + String.join(", ", START_METHODS));
        }
        return name;
    }

    /**
     * The shared runtime whose workers are made by start method {@code method}: the counterpart
     * of Python's {@code multiprocessing.get_context}. Give it to a process
     * ({@link WorkerProcess#setRuntime}), a pool ({@link ProcessPool.Builder#runtime}) or an
     * executor, or use {@link #process} and {@link #pool}. The default runtime's method (spawn
     * unless {@code -Dprocwire.startMethod} says otherwise) returns the default runtime.
     *
     * @throws IllegalArgumentException naming the valid methods if {@code method} is none of them
     */
    public static ProcwireRuntime getContext(String method) {
        checkStartMethod(method);
        ProcwireRuntime d = defaultRuntime();
        if (d.startMethod.equals(method)) {
            return d;
        }
        return CONTEXTS.computeIfAbsent(method, m -> builder().startMethod(m)
                .outputListener(DefaultHolder.outputFromProperty()).build());
    }

    /** This runtime's start method. */
    public String startMethod() {
        return startMethod;
    }

    /** A process of this runtime running {@code target.call(argument)} (Python's {@code ctx.Process}). */
    public <A> WorkerProcess process(Class<? extends Task<A, ?>> target, A argument) {
        return new WorkerProcess(target, argument).setRuntime(this);
    }

    /** A pool of {@code processes} workers of this runtime (Python's {@code ctx.Pool}). */
    public ProcessPool pool(int processes) {
        return ProcessPool.builder().processes(processes).runtime(this).build();
    }

    /** The runtime that workers use unless given another; created on first use. */
    public static ProcwireRuntime defaultRuntime() {
        return DefaultHolder.INSTANCE;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options of a runtime. Not thread safe. */
    public static final class Builder {
        private OutputListener output = OutputListener.toStderr();
        private Duration handshakeTimeout = Duration.ofSeconds(30);
        private Duration terminateGrace = Duration.ofSeconds(2);
        private int maxFrameBytes = FrameLimits.DEFAULT_MAX_FRAME_BYTES;
        private final List<String> jvmOptions = jvmOptionsFromProperty();
        private String workerClasspath = System.getProperty("java.class.path");
        private WorkerTransport transport = transportFromProperty();
        private String startMethod = checkStartMethod(System.getProperty("procwire.startMethod", "spawn"));
        private int warmWorkers = Math.max(2, Runtime.getRuntime().availableProcessors());

        private Builder() {}

        /**
         * How worker processes are made (Python's start methods): {@code spawn}, a fresh JVM per
         * worker (the default, or what {@code -Dprocwire.startMethod} says); {@code forkserver},
         * a resident server process shared by this user's runtimes that keeps workers ready and
         * hands them over a Unix socket (file descriptors passed with SCM_RIGHTS); {@code warm},
         * idle workers started ahead inside this runtime and handed out on demand, refilled in
         * the background. Workers that the method cannot make (a command, or a FIFO or socket
         * transport with {@code forkserver}) are spawned.
         *
         * @throws IllegalArgumentException naming the valid methods if {@code name} is none of them
         */
        public Builder startMethod(String name) {
            this.startMethod = checkStartMethod(name);
            return this;
        }

        /** How many idle workers the {@code warm} start method keeps ready; default the number of CPUs (at least 2). */
        public Builder warmWorkers(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("warm workers must be at least 1, got " + count);
            }
            this.warmWorkers = count;
            return this;
        }

        /**
         * How workers are connected unless a pool or process says otherwise; default
         * {@link WorkerTransport#PIPE}, or what {@code -Dprocwire.transport=pipe|fifo|unix} says.
         */
        public Builder transport(WorkerTransport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        private static WorkerTransport transportFromProperty() {
            String name = System.getProperty("procwire.transport");
            return name == null ? WorkerTransport.PIPE : WorkerTransport.of(name);
        }

        /** The classpath of worker JVMs; by default this JVM's own. */
        public Builder workerClasspath(String classpath) {
            this.workerClasspath = Objects.requireNonNull(classpath, "classpath");
            return this;
        }

        /** Where workers' printed lines go; default {@link OutputListener#toStderr()}. */
        public Builder outputListener(OutputListener listener) {
            this.output = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** How long a worker has from spawn to handshake before start() fails; default 30 s. */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = positive(timeout, "handshake timeout");
            return this;
        }

        /** How long a terminated daemon worker has before it is killed when the runtime closes; default 2 s. */
        public Builder terminateGrace(Duration grace) {
            this.terminateGrace = positive(grace, "terminate grace");
            return this;
        }

        /** Largest frame accepted either way; default 64 MiB. */
        public Builder maxFrameBytes(int max) {
            this.maxFrameBytes = FrameLimits.checkMax(max);
            return this;
        }

        /**
         * The options of {@code -Dprocwire.jvmOptions} (separated by spaces), which every runtime
         * starts with: a way to tune the workers of a program without changing it.
         */
        private static List<String> jvmOptionsFromProperty() {
            List<String> options = new ArrayList<>();
            String value = System.getProperty("procwire.jvmOptions", "").trim();
            if (!value.isEmpty()) {
                options.addAll(List.of(value.split("\\s+")));
            }
            return options;
        }

        /**
         * JVM options for every worker this runtime spawns, after procwire's defaults (which they
         * override) and after those of {@code -Dprocwire.jvmOptions}.
         */
        public Builder jvmOptions(String... options) {
            this.jvmOptions.addAll(List.of(options));
            return this;
        }

        public ProcwireRuntime build() {
            return new ProcwireRuntime(this);
        }

        private static Duration positive(Duration d, String what) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, got " + d);
            }
            return d;
        }
    }

    /** Starts {@code process}'s worker; the future completes when its handshake is done. */
    CompletableFuture<StartedWorker> launch(WorkerProcess process, WorkerSetup setup) {
        return launch(process.getName(), 0, callbacks, setup, SpawnStarter.QUICK_START_OPTIONS)
                .thenApply(w -> {
                    live.add(process);
                    return w;
                });
    }

    /** How workers of this runtime are connected unless a pool or process says otherwise. */
    public WorkerTransport transport() {
        return transport;
    }

    /**
     * Starts a worker named {@code name}; the future completes when its handshake is done, or
     * fails with a {@link WorkerStartException} carrying the worker's own words.
     *
     * @param connectionCallbacks where the worker's answers complete: a direct executor for
     *     procwire's own bookkeeping, which never blocks
     */
    public CompletableFuture<StartedWorker> launch(String name, int maxConcurrentTasks,
                                                   java.util.concurrent.Executor connectionCallbacks,
                                                   WorkerSetup setup) {
        return launch(name, maxConcurrentTasks, connectionCallbacks, setup, List.of());
    }

    /**
     * As {@link #launch(String, int, java.util.concurrent.Executor, WorkerSetup)}; a worker that is
     * spawned now gets {@code spawnDefaults} first (see {@link SpawnStarter#QUICK_START_OPTIONS}),
     * unless the options choose a collector.
     */
    private CompletableFuture<StartedWorker> launch(String name, int maxConcurrentTasks,
                                                    java.util.concurrent.Executor connectionCallbacks,
                                                    WorkerSetup setup, List<String> spawnDefaults) {
        if (closed.get()) {
            throw new IllegalStateException("this procwire runtime is closed; no new workers");
        }
        List<String> options = new ArrayList<>(jvmOptions);
        options.addAll(setup.jvmOptions());
        // Unique among this runtime's workers; no secret (the token is): no SecureRandom on this path.
        long random = java.util.concurrent.ThreadLocalRandom.current().nextInt() & 0xffffffffL;
        String id = name + "-" + Long.toHexString(0x1_0000_0000L | random).substring(1); // 8 hex digits
        WorkerTransport chosen = setup.transport() != null ? setup.transport() : transport;
        LaunchSpec spec = new LaunchSpec(id, name, options, setup.environment(), setup.directory(), maxConcurrentTasks,
                maxFrameBytes, output, connectionCallbacks, chosen, setup.command(), false);
        boolean served = starter != spawn && starter.serves(spec); // by a worker made ahead of demand
        if (!served && spec.isJava() && !spawnDefaults.isEmpty() && !SpawnStarter.choosesCollector(options)) {
            List<String> withDefaults = new ArrayList<>(spawnDefaults);
            withDefaults.addAll(options);
            spec = new LaunchSpec(id, name, withDefaults, setup.environment(), setup.directory(), maxConcurrentTasks,
                    maxFrameBytes, output, connectionCallbacks, chosen, setup.command(), false);
        }
        StartedWorker worker;
        try {
            worker = (served ? starter : spawn).start(spec);
        } catch (IOException e) {
            throw new WorkerStartException("worker " + name + " could not be spawned: " + e.getMessage(), null, e);
        } catch (IllegalStateException e) {
            throw new IllegalStateException("this procwire runtime is closed; no new workers", e);
        }
        StartedWorker started = worker;
        CompletableFuture<Hello> ready = worker.connection().ready();
        if (ready.isDone() && !ready.isCompletedExceptionally()) {
            return CompletableFuture.completedFuture(started); // handed out ready (warm, fork server)
        }
        return ready
                .orTimeout(handshakeTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .handleAsync((hello, e) -> {
                    if (e != null) {
                        Throwable cause = e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
                        throw startFailure(name, started, cause instanceof TimeoutException
                                ? "no handshake within " + handshakeTimeout.toMillis() + " ms" : cause.getMessage(), cause);
                    }
                    return started;
                }, callbacks);
    }

    /** Ends a worker that failed to start and describes why, with its own words and exit code. */
    static WorkerStartException startFailure(String name, StartedWorker worker, String reason, Throwable cause) {
        Process p = worker.process();
        Integer exitCode = null;
        try {
            if (!p.waitFor(2, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(2, TimeUnit.SECONDS);
            }
            if (!p.isAlive()) {
                exitCode = ExitCodes.of(p.exitValue(), worker.connection().exitNotice());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        worker.connection().transport().shutdownNow("start failed");
        String stderr = worker.stderr().tail(1000);
        StringBuilder m = new StringBuilder("worker ").append(name).append(" (pid ").append(p.pid())
                .append(") failed to start: ").append(reason);
        if (exitCode != null) {
            m.append("; ").append(ExitCodes.describe(exitCode));
        }
        if (!stderr.isBlank()) {
            m.append("; its stderr said:\n").append(stderr);
        }
        return new WorkerStartException(m.toString(), exitCode, cause);
    }

    void exited(WorkerProcess process) {
        live.remove(process);
    }

    /** Ends {@code pool} (terminates it) when this runtime closes or the JVM exits. */
    public void own(AutoCloseable pool) {
        pools.add(pool);
    }

    public void disown(AutoCloseable pool) {
        pools.remove(pool);
    }

    /** Where procwire completes futures that user code may chain on: never an I/O thread. */
    public java.util.concurrent.Executor userCallbacks() {
        return callbacks;
    }

    /** The grace a terminated worker has before it is killed. */
    public Duration terminateGrace() {
        return terminateGrace;
    }

    /**
     * Terminates daemon workers and joins the others, as Python does at exit. New workers are
     * refused from now on. Idempotent.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            endWorkers();
            starter.close();
            spawn.close();
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // already shutting down
            }
        }
    }

    private void endWorkersAtExit() {
        endWorkers();
        starter.close();
        spawn.close();
        EventLoops.stopForExit(200);
    }

    private void endWorkers() {
        closed.set(true);
        for (AutoCloseable pool : List.copyOf(pools)) {
            try {
                pool.close();
            } catch (Exception e) {
                System.err.println("procwire: closing a pool failed: " + e);
            }
        }
        List<WorkerProcess> daemons = new ArrayList<>();
        for (WorkerProcess p : live) {
            if (p.isDaemon()) {
                daemons.add(p);
                p.terminateQuietly();
            }
        }
        long deadline = System.nanoTime() + terminateGrace.toNanos();
        for (WorkerProcess p : daemons) {
            if (!p.awaitExit(Math.max(0, deadline - System.nanoTime()))) {
                p.killQuietly();
            }
        }
        for (WorkerProcess p : live) {
            if (!p.isDaemon()) {
                p.joinUninterruptibly();
            }
        }
    }
}
