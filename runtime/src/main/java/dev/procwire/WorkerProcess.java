package dev.procwire;

import dev.procwire.codec.Codecs;
import dev.procwire.codec.ValueCodec;
import dev.procwire.internal.CurrentProcess;
import dev.procwire.internal.ExitCodes;
import dev.procwire.internal.ProcessFields;
import dev.procwire.internal.Protocol;
import dev.procwire.internal.StartedWorker;
import dev.procwire.internal.WorkerSetup;
import dev.procwire.proto.v1.ErrorCode;
import dev.procwire.proto.v1.Frame;
import dev.procwire.proto.v1.Payload;
import dev.procwire.proto.v1.RemoteError;
import dev.procwire.proto.v1.Submit;
import java.lang.reflect.Constructor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A worker process: the counterpart of Python's {@code multiprocessing.Process}.
 *
 * <p>Give it a {@link Task} class and an argument, or subclass it and override {@link #run()};
 * {@link #start()} starts a new JVM (with this JVM's classpath) that runs it. As in Python:
 * {@link #join()} waits for the end, {@link #exitCode()} is {@code 0} after success, {@code 1}
 * after an exception (whose stack trace the child prints), the status given to
 * {@code System.exit}, or minus the signal number after death by signal ({@link #terminate()}
 * gives {@code -15}, {@link #kill()} {@code -9}). A daemon process is terminated when the runtime
 * closes or the JVM exits; a non-daemon one is waited for.
 *
 * <p>A subclass's non-static, non-transient fields set before {@code start()} are carried to the
 * child (plain data: primitives, strings, byte arrays, lists and maps of these, enums and protobuf
 * messages); {@code start()} refuses, naming the field, any other. The subclass needs a
 * no-argument constructor (it may be private) and must be top-level or static nested.
 *
 * <p>Thread safety: all methods may be called from any thread. A process starts once.
 */
public class WorkerProcess {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private String name;
    private boolean daemon;
    private final Class<?> target;
    private final String function;
    private final Object argument;
    private List<String> command = List.of();
    private WorkerTransport transport;
    private ProcwireRuntime runtime;
    private final List<String> jvmOptions = new ArrayList<>();
    private final Map<String, String> environment = new LinkedHashMap<>();
    private Path directory;
    private final Map<String, Connection> connections = new LinkedHashMap<>();

    private boolean runningInChild; // set in the child on the instance whose run() it calls
    private volatile StartedWorker worker;
    private volatile boolean startRequested;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private volatile RemoteException failure;
    private volatile Object result;
    private volatile WorkerStartException targetFailure;

    /** For subclasses that override {@link #run()}. */
    protected WorkerProcess() {
        this(null, null, false);
    }

    /** A process that runs {@code target.call(null)}. */
    public WorkerProcess(Class<? extends Task<?, ?>> target) {
        this(Objects.requireNonNull(target, "target"), null, true);
    }

    /**
     * A process that runs {@code target.call(argument)}.
     *
     * @throws IllegalArgumentException if the class cannot be built in another process, or the
     *     argument cannot be carried there
     */
    public <A> WorkerProcess(Class<? extends Task<A, ?>> target, A argument) {
        this(Objects.requireNonNull(target, "target"), argument, true);
    }

    /**
     * A process that runs the function registered as {@code function} (see {@link Functions})
     * with {@code argument}: the way to start work in a worker that is not Java (see
     * {@link #setCommand}), and in a Java worker whose functions are registered by name.
     *
     * @throws IllegalArgumentException if the name is not a valid function name, or the argument
     *     cannot be carried to another process
     */
    public WorkerProcess(String function, Object argument) {
        this(null, Functions.checkName(function), argument);
    }

    private WorkerProcess(Class<?> target, Object argument, boolean hasTarget) {
        this(target, null, argument);
    }

    private WorkerProcess(Class<?> target, String function, Object argument) {
        this.target = target;
        this.function = function;
        this.argument = argument;
        // As Python names them: the class name and a counter ("CustomProcess-2").
        this.name = (getClass().isAnonymousClass() ? "WorkerProcess" : getClass().getSimpleName())
                + "-" + COUNTER.incrementAndGet();
        if (target != null) {
            checkRebuildable(target, "task");
            String why = Codecs.canEncode(argument);
            if (why != null) {
                throw new IllegalArgumentException("argument of " + target.getName() + " cannot be sent: " + why);
            }
        }
        if (function != null) {
            String why = Codecs.canEncode(argument);
            if (why != null) {
                throw new IllegalArgumentException("argument of function " + function + " cannot be sent: " + why);
            }
        }
    }

    // ---- options, before start

    /** The name, {@code WorkerProcess-N} by default; shown in the worker's forwarded output. */
    public String getName() {
        return name;
    }

    public WorkerProcess setName(String name) {
        Objects.requireNonNull(name, "name");
        this.name = name;
        return this;
    }

    public boolean isDaemon() {
        return daemon;
    }

    /** Marks the process as a daemon; must be called before {@link #start()}. */
    public WorkerProcess setDaemon(boolean daemon) {
        checkNotStarted("set the daemon flag of");
        this.daemon = daemon;
        return this;
    }

    /** Uses {@code runtime} instead of the default one. */
    public WorkerProcess setRuntime(ProcwireRuntime runtime) {
        checkNotStarted("change the runtime of");
        this.runtime = Objects.requireNonNull(runtime, "runtime");
        return this;
    }

    /** Adds options for this worker's JVM, such as {@code -Xmx64m}. */
    public WorkerProcess addJvmOptions(String... options) {
        checkNotStarted("change the JVM options of");
        jvmOptions.addAll(List.of(options));
        return this;
    }

    /** Adds a variable to the worker's environment. */
    public WorkerProcess putEnvironment(String key, String value) {
        checkNotStarted("change the environment of");
        environment.put(key, value);
        return this;
    }

    /**
     * Hands {@code end} to the child when it starts: there {@link Connection#inherited(String)}
     * returns it under {@code name}, and the two processes talk without this one in between
     * (Python passes {@code child_conn} in {@code args}). From {@code start()} on the end is the
     * child's: it cannot be used here, and this process closes its copy once the child has it,
     * or has exited without taking it, so the other end sees end of stream when the child dies.
     *
     * @throws IllegalArgumentException if the name is not 1 to 64 letters, digits, '.', '_', '-'
     * @throws IllegalStateException if the end is closed, or after start()
     */
    public WorkerProcess addConnection(String name, Connection end) {
        checkNotStarted("hand a connection to");
        ConnectionHandoff.check(name, end);
        connections.put(name, end);
        return this;
    }

    /**
     * Runs the worker as {@code command} (a program and its arguments) instead of procwire's Java
     * worker: a worker in another language that speaks the procwire protocol (proto/PROTOCOL.md),
     * such as {@code python3 -m procwire_worker --module mymodule}. The target must then be a
     * function name ({@link #WorkerProcess(String, Object)}); JVM options do not apply.
     *
     * @throws IllegalArgumentException if the command is empty or has a null argument
     */
    public WorkerProcess setCommand(List<String> command) {
        checkNotStarted("change the command of");
        this.command = dev.procwire.internal.WorkerSetup.checkCommand(command);
        return this;
    }

    /** As {@link #setCommand(List)}. */
    public WorkerProcess setCommand(String... command) {
        return setCommand(List.of(command));
    }

    /** Connects this worker by {@code transport} instead of the runtime's default. */
    public WorkerProcess setTransport(WorkerTransport transport) {
        checkNotStarted("change the transport of");
        this.transport = Objects.requireNonNull(transport, "transport");
        return this;
    }

    /** Sets the worker's working folder. */
    public WorkerProcess setDirectory(Path directory) {
        checkNotStarted("change the folder of");
        this.directory = directory;
        return this;
    }

    // ---- lifecycle

    /**
     * Starts the worker and returns once it is ready (its handshake arrived). Its target then
     * runs there.
     *
     * @throws IllegalStateException if started before
     * @throws WorkerStartException if the worker could not start, with its own error text
     * @throws ProcwireException if a subclass field cannot be carried to the child
     */
    public final void start() {
        try {
            startAsync().join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    /**
     * Starts the worker without waiting for it: the future completes once it is ready, or fails
     * as {@link #start()} would throw. Starting several workers this way overlaps their JVM
     * start-up. A field or argument that cannot be carried is refused at once, by this call.
     *
     * @throws IllegalStateException if started before
     */
    public final CompletableFuture<Void> startAsync() {
        Submit submit;
        synchronized (this) {
            if (runningInChild) {
                throw new IllegalStateException("process " + name + " is the current process; it cannot start itself");
            }
            if (startRequested) {
                throw new IllegalStateException("cannot start a process twice: " + name);
            }
            submit = targetSubmit();
            if (!command.isEmpty() && function == null) {
                throw new IllegalStateException("process " + name + " runs the command " + command
                        + ", which is not a Java worker: its target must be a function name, not a Java class");
            }
            if (!command.isEmpty() && !connections.isEmpty()) {
                throw new IllegalStateException("process " + name + " runs the command " + command
                        + ": Connection ends can be handed to Java workers only");
            }
            startRequested = true;
        }
        ProcwireRuntime rt = runtime != null ? runtime : ProcwireRuntime.defaultRuntime();
        if (connections.isEmpty()) {
            return rt.launch(this, setup(environment)).thenAccept(w -> started(rt, w, submit));
        }
        ConnectionHandoff handoff;
        try {
            handoff = ConnectionHandoff.offer(connections, "worker " + name);
        } catch (java.io.IOException e) {
            throw new WorkerStartException("worker " + name + " could not be given its connections: " + e.getMessage(),
                    null, e);
        }
        Map<String, String> env = new LinkedHashMap<>(environment);
        env.putAll(handoff.childEnvironment());
        CompletableFuture<StartedWorker> launched;
        try {
            launched = rt.launch(this, setup(env));
        } catch (RuntimeException e) {
            handoff.close(); // no child: the ends stay here
            throw e;
        }
        return launched.whenComplete((w, e) -> {
            if (e != null) {
                handoff.close();
            } else {
                handoff.deliverTo(w.process().toHandle());
            }
        }).thenAccept(w -> started(rt, w, submit));
    }

    private WorkerSetup setup(Map<String, String> env) {
        return new WorkerSetup(jvmOptions, env, directory, transport, command);
    }

    private void started(ProcwireRuntime rt, StartedWorker w, Submit submit) {
        worker = w;
        // A non-daemon worker keeps the program alive as in Python: the runtime's exit hook joins
        // it (Python's atexit does the same), so no thread per worker is needed for that.
        w.connection().request(id -> Frame.newBuilder().setSubmit(submit.toBuilder().setRequestId(id)).build())
                .whenComplete((answer, error) -> {
                    if (answer != null && answer.hasResult()) {
                        try {
                            result = Codecs.decode(answer.getResult().getValue());
                        } catch (RuntimeException e) {
                            failure = new RemoteException(RemoteError.newBuilder().setCode(ErrorCode.BAD_PAYLOAD)
                                    .setType(e.getClass().getName()).setMessage(String.valueOf(e.getMessage()))
                                    .setWorkerId(name).build());
                        }
                    }
                    if (answer != null && answer.hasFailure()) {
                        RemoteError e = answer.getFailure().getError();
                        failure = new RemoteException(e);
                        if (e.getCode() == ErrorCode.NOT_FOUND || e.getCode() == ErrorCode.BAD_PAYLOAD) {
                            targetFailure = new WorkerStartException("worker " + name + " (pid " + w.process().pid()
                                    + ") could not run its target: " + e.getMessage(), null, failure);
                        }
                    }
                });
        w.process().onExit().thenRunAsync(() -> exited(rt, w), rt.userCallbacks());
    }

    private Submit targetSubmit() {
        if (function != null) {
            return Submit.newBuilder().setFunction(function).setArgument(Codecs.encode(argument))
                    .setExitWhenDone(true).build();
        }
        Class<?> type = target != null ? target : getClass();
        if (target == null) {
            if (getClass() == WorkerProcess.class) {
                throw new IllegalStateException("process " + name + " has no target and does not override run()");
            }
            checkRebuildable(getClass(), "process subclass");
        }
        Payload arg = target != null ? Codecs.encode(argument) : ValueCodec.INSTANCE.encode(ProcessFields.capture(this));
        return Submit.newBuilder().setFunction(Protocol.JAVA_PREFIX + type.getName()).setArgument(arg)
                .setExitWhenDone(true).build();
    }

    private static void checkRebuildable(Class<?> type, String what) {
        String why = ProcessFields.whyNotRebuildable(type);
        if (why != null) {
            throw new IllegalArgumentException(what + " " + type.getName() + " " + why);
        }
    }

    private void exited(ProcwireRuntime rt, StartedWorker w) {
        try {
            // The exit notice travels the pipe; let the connection drain before reading it.
            w.connection().closed().get(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            w.connection().transport().shutdownNow("worker exited");
        }
        int code = ExitCodes.of(w.process().exitValue(), w.connection().exitNotice());
        String broken = w.connection().protocolError();
        if (broken != null && failure == null) {
            // The connection broke (malformed frame, truncated stream): say so, naming the worker.
            failure = new RemoteException(RemoteError.newBuilder().setCode(ErrorCode.PROTOCOL_VIOLATION)
                    .setType("ProtocolError").setMessage(broken).setWorkerId(name).build());
        }
        w.connection().failPending(id -> new WorkerDiedException(name, w.process().pid(), code));
        rt.exited(this);
        exit.complete(code);
    }

    /**
     * In this process, runs the target: what the child does after {@link #start()}. Subclasses
     * override it; calling it directly runs it here, as in Python.
     */
    public void run() {
        if (function != null) {
            @SuppressWarnings("unchecked")
            Task<Object, Object> task = (Task<Object, Object>) Functions.lookup(function).orElseThrow(() ->
                    new ProcwireException("no function is registered as " + function + " in this process"));
            try {
                task.call(argument);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new ProcwireException(function + " failed: " + e, e);
            }
            return;
        }
        if (target == null) {
            return;
        }
        try {
            Constructor<?> c = target.getDeclaredConstructor();
            c.setAccessible(true);
            @SuppressWarnings("unchecked")
            Task<Object, Object> task = (Task<Object, Object>) c.newInstance();
            task.call(argument);
        } catch (RuntimeException e) {
            throw e;
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw new ProcwireException("constructor of " + target.getName() + " threw " + e.getCause(), e.getCause());
        } catch (Exception e) {
            throw new ProcwireException(target.getName() + " failed: " + e, e);
        }
    }

    /**
     * Waits until the process ends.
     *
     * @throws IllegalStateException if it was never started
     * @throws WorkerStartException if the child could not load or build its target (the exit
     *     code is then in the exception and in {@link #exitCode()})
     */
    public final void join() throws InterruptedException {
        checkStarted("join");
        try {
            exit.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        throwIfTargetFailed();
    }

    /** Waits at most {@code timeout}; returns whether the process has ended. */
    public final boolean join(Duration timeout) throws InterruptedException {
        checkStarted("join");
        try {
            exit.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        throwIfTargetFailed();
        return true;
    }

    private void throwIfTargetFailed() {
        WorkerStartException t = targetFailure;
        if (t != null) {
            throw new WorkerStartException(t.getMessage() + "; " + ExitCodes.describe(exit.join()), exit.join(), t.getCause());
        }
    }

    /** True from {@link #start()} until the process has ended. */
    public final boolean isAlive() {
        if (runningInChild) {
            return true;
        }
        return worker != null && !exit.isDone();
    }

    /** Sends SIGTERM. Does nothing if the process has ended. */
    public final void terminate() {
        checkStarted("terminate");
        worker.process().destroy();
    }

    /** Sends SIGKILL. Does nothing if the process has ended. */
    public final void kill() {
        checkStarted("kill");
        worker.process().destroyForcibly();
    }

    /** The process id. In the child, this process's own. */
    public final long pid() {
        if (runningInChild) {
            return ProcessHandle.current().pid();
        }
        checkStarted("get the pid of");
        return worker.process().pid();
    }

    /** The exit code, or {@code null} while running or before start (Python's {@code exitcode}). */
    public final Integer exitCode() {
        return exit.getNow(null);
    }

    /** Completes with the exit code when the process ends. */
    public final CompletableFuture<Integer> onExit() {
        return exit.copy();
    }

    /**
     * What the target task returned in the child, decoded, once the process has ended; {@code null}
     * if it returned nothing, failed, or has not finished. (Python's {@code Process} drops it;
     * for results from many tasks, a pool is the better tool.)
     */
    public final Object result() {
        return result;
    }

    /** The exception the target threw in the child, if it threw one. */
    public final java.util.Optional<RemoteException> failure() {
        return java.util.Optional.ofNullable(failure);
    }

    /** Who the current process is: the main process, or in a worker, that worker. */
    public static ProcessInfo current() {
        return CurrentProcess.get();
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("<WorkerProcess name='").append(name).append('\'');
        if (worker != null) {
            s.append(" pid=").append(worker.process().pid());
        }
        Integer code = exitCode();
        s.append(worker == null ? " initial" : code == null ? " started" : " stopped exitcode=" + code);
        if (daemon) {
            s.append(" daemon");
        }
        return s.append('>').toString();
    }

    // ---- for the runtime

    void terminateQuietly() {
        StartedWorker w = worker;
        if (w != null) {
            w.process().destroy();
        }
    }

    void killQuietly() {
        StartedWorker w = worker;
        if (w != null) {
            w.process().destroyForcibly();
        }
    }

    boolean awaitExit(long nanos) {
        try {
            exit.get(nanos, TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return exit.isDone();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    void joinUninterruptibly() {
        StartedWorker w = worker;
        if (w == null) {
            return;
        }
        boolean interrupted = false;
        while (true) {
            try {
                w.process().waitFor();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void checkStarted(String what) {
        if (!runningInChild && worker == null) {
            throw new IllegalStateException("cannot " + what + " process " + name + ": it was not started");
        }
    }

    private void checkNotStarted(String what) {
        if (startRequested) {
            throw new IllegalStateException("cannot " + what + " process " + name + " after start()");
        }
    }
}
