package dev.procwire.internal;

import dev.procwire.ProcessInfo;
import dev.procwire.codec.CodecException;
import dev.procwire.codec.Codecs;
import dev.procwire.proto.v1.Batch;
import dev.procwire.proto.v1.BatchResult;
import dev.procwire.proto.v1.Cancel;
import dev.procwire.proto.v1.ErrorCode;
import dev.procwire.proto.v1.ExitNotice;
import dev.procwire.proto.v1.Failure;
import dev.procwire.proto.v1.Frame;
import dev.procwire.proto.v1.Heartbeat;
import dev.procwire.proto.v1.Hello;
import dev.procwire.proto.v1.Outcome;
import dev.procwire.proto.v1.Payload;
import dev.procwire.proto.v1.ProtocolError;
import dev.procwire.proto.v1.RemoteError;
import dev.procwire.proto.v1.Result;
import dev.procwire.proto.v1.Submit;
import dev.procwire.proto.v1.Welcome;
import dev.procwire.transport.Termination;
import dev.procwire.transport.Transport;
import dev.procwire.transport.stream.StreamTransport;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The worker's side of a session, in a Java worker process: handshake, tasks (each on its own
 * thread, so heartbeats and cancels are served while tasks run), cancel, deadlines, shutdown,
 * and exit when the runtime is gone. Internal.
 */
final class JavaWorker implements Transport.Listener {
    /** How long the worker waits for the runtime's Welcome. */
    private static final long WELCOME_TIMEOUT_MILLIS = welcomeTimeout();
    /** How long an exit may take (shutdown hooks) before the worker halts: within 2 s in all. */
    private static final long EXIT_GRACE_MILLIS = Boolean.getBoolean(CdsArchive.DUMPING_PROPERTY) ? 20_000 : 1_500;

    private final StreamTransport transport;
    private final String workerId;
    private final PrintStream diagnostics;
    private final CountDownLatch welcomed = new CountDownLatch(1);
    private final Map<Long, Running> running = new ConcurrentHashMap<>();
    private final ArrayDeque<Running> queue = new ArrayDeque<>(); // guards active too
    private int active;
    private final Targets targets;
    private final AtomicBoolean noticeSent = new AtomicBoolean();
    /** Deadlines' timer, made at the first task with a deadline: most workers never need it. */
    private static final class Deadlines {
        static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(
                DaemonThreads.named("procwire-deadlines"));
    }
    private volatile Welcome welcome;
    private final String token;
    private volatile int terminatingSignal;
    private volatile boolean shuttingDown;
    private final ActorHost actors;
    private final long pid = CurrentProcess.pid();

    JavaWorker(StreamTransport transport, String workerId, String token, PrintStream diagnostics) {
        this.transport = transport;
        this.token = token;
        this.workerId = workerId;
        this.diagnostics = diagnostics;
        this.targets = new Targets(workerId);
        this.actors = new ActorHost(this::send, workerId, () -> welcome);
    }

    private static final String BATCH_FUNCTION = Protocol.BATCH_FUNCTION;
    private static final String BATCH_RESULT_TYPE = Protocol.BATCH_RESULT_TYPE;

    /** 30 s, or what {@code PROCWIRE_WELCOME_WAIT_MILLIS} says (0: until the input ends). */
    private static long welcomeTimeout() {
        String v = System.getenv(Protocol.ENV_WELCOME_WAIT);
        try {
            return v == null ? 30_000 : Math.max(0, Long.parseLong(v));
        } catch (NumberFormatException e) {
            return 30_000;
        }
    }

    /**
     * Readies what needs no protobuf class (see {@link ProtocolWarmup}): the handlers that turn
     * SIGTERM, SIGINT and SIGHUP into an orderly exit, and the hook that sends the last word.
     */
    void prepare() {
        installSignalHandlers();
        Runtime.getRuntime().addShutdownHook(new Thread(this::lastWord, "procwire-exit-notice"));
    }

    /** Runs the session, after {@link #prepare()}; returns only by exiting the process. */
    void serve() {
        transport.start(this);
        String[] versions = announcedVersions();
        send(Frame.newBuilder().setHello(Hello.newBuilder()
                .setProtocolVersion(Integer.parseInt(versions[1]))
                .setMinProtocolVersion(Integer.parseInt(versions[0]))
                .setWorkerId(workerId)
                .setPid(pid)
                .setLanguage("java")
                .setRuntime(System.getProperty("java.vm.name") + " " + System.getProperty("java.version"))
                .setAuthToken(com.google.protobuf.ByteString.copyFromUtf8(token == null ? "" : token))
                .addCapabilities("cancel")
                .addCapabilities("heartbeat")
                .addCapabilities(ActorHost.CAPABILITY)
                .addCapabilities(BatchColumns.CAPABILITY)).build());
        try {
            if (WELCOME_TIMEOUT_MILLIS == 0) {
                welcomed.await(); // a worker started ahead of demand: its input's end still ends it
            } else if (!welcomed.await(WELCOME_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                diagnostics.println("procwire worker " + workerId + ": no Welcome from the runtime within "
                        + WELCOME_TIMEOUT_MILLIS + " ms");
                exit(2);
            }
            new CountDownLatch(1).await(); // the process ends by exit(), from another thread
        } catch (InterruptedException e) {
            exit(1);
        }
    }

    private static String[] announcedVersions() {
        String fake = System.getenv(Protocol.ENV_FAKE_VERSIONS);
        if (fake != null) {
            return fake.split("\\.\\.");
        }
        return new String[] {Integer.toString(Protocol.MIN_VERSION), Integer.toString(Protocol.MAX_VERSION)};
    }

    @Override
    public void onFrame(Frame frame) {
        if (welcome == null) {
            switch (frame.getBodyCase()) {
                case WELCOME -> {
                    welcome = frame.getWelcome();
                    CurrentProcess.set(new ProcessInfo(welcome.getWorkerName(), pid,
                            welcome.getRuntimePid()));
                    welcomed.countDown();
                }
                case PROTOCOL_ERROR -> refused(frame.getProtocolError());
                default -> violation("expected Welcome as the runtime's first frame, got " + frame.getBodyCase());
            }
            return;
        }
        switch (frame.getBodyCase()) {
            case SUBMIT -> submit(frame.getSubmit());
            case CANCEL -> cancel(frame.getCancel());
            case HEARTBEAT -> {
                if (!frame.getHeartbeat().getEcho()) {
                    send(Frame.newBuilder().setHeartbeat(Heartbeat.newBuilder()
                            .setSequence(frame.getHeartbeat().getSequence()).setEcho(true)).build());
                }
            }
            case SHUTDOWN -> actors.drainThen(frame.getShutdown(), this::shutdown); // actors first, then tasks
            case ACTOR_CREATE, ACTOR_TELL, ACTOR_ASK, ACTOR_STOP -> actors.onFrame(frame);
            case PROTOCOL_ERROR -> refused(frame.getProtocolError());
            case BODY_NOT_SET -> { } // a newer runtime's frame: ignored, as PROTOCOL.md says
            default -> violation("unexpected " + frame.getBodyCase() + " frame from the runtime");
        }
    }

    @Override
    public void onTerminated(Termination termination) {
        if (!shuttingDown) {
            // Our input ended: the runtime is gone. No orphans: exit now.
            shuttingDown = true;
            if (!termination.isClean()) {
                diagnostics.println("procwire worker " + workerId + ": connection to the runtime broke: " + termination);
            }
            exit(termination.isClean() ? 0 : 3);
        }
    }

    private void refused(ProtocolError error) {
        diagnostics.println("procwire worker " + workerId + ": the runtime refused the session: "
                + error.getCode() + ": " + error.getMessage());
        exit(2);
    }

    private void violation(String message) {
        send(Frame.newBuilder().setProtocolError(ProtocolError.newBuilder()
                .setCode(ErrorCode.PROTOCOL_VIOLATION).setMessage(message)).build());
        diagnostics.println("procwire worker " + workerId + ": " + message);
        exit(2);
    }

    // ---- tasks

    /** A task in flight or queued. */
    private static final class Running {
        final Submit submit;
        private Thread thread;
        volatile ErrorCode endedBy; // CANCELLED or DEADLINE_EXCEEDED when ended early

        Running(Submit submit) {
            this.submit = submit;
        }

        synchronized void end(ErrorCode why, boolean interrupt) {
            if (endedBy == null) {
                endedBy = why;
            }
            if (interrupt && thread != null) {
                thread.interrupt();
            }
        }

        synchronized void runsOn(Thread t) {
            thread = t;
        }
    }

    private void submit(Submit submit) {
        if (shuttingDown) {
            fail(submit.getRequestId(), RemoteErrors.of(ErrorCode.SHUTTING_DOWN, "ShuttingDown",
                    "worker " + workerId + " is shutting down", workerId).toBuilder().setRetryable(true).build());
            return;
        }
        Running r = new Running(submit);
        running.put(submit.getRequestId(), r);
        if (submit.getDeadlineMillis() > 0) {
            Deadlines.TIMER.schedule(() -> r.end(ErrorCode.DEADLINE_EXCEEDED, true), submit.getDeadlineMillis(), TimeUnit.MILLISECONDS);
        }
        synchronized (queue) {
            int max = welcome.getMaxConcurrentTasks();
            if (max > 0 && active >= max) {
                queue.addLast(r); // runs when a running task ends, on that task's thread
                return;
            }
            active++;
        }
        // Run the task on this, the reading thread: no hand-over between the frame and its work.
        // If it is still running after a moment, another thread reads on, so cancels and
        // heartbeats are still served; a tiny task ends first and this thread reads the next frame.
        transport.keepReadingUnlessSlow();
        for (Running next = r; next != null; next = nextQueued()) {
            next.runsOn(Thread.currentThread());
            try {
                execute(next);
            } finally {
                next.runsOn(null);
                Thread.interrupted(); // a late cancel must not reach this thread's next use
            }
        }
    }

    /** The next queued task, or null after giving back this thread's slot. */
    private Running nextQueued() {
        synchronized (queue) {
            Running next = queue.pollFirst();
            if (next == null) {
                active--;
            }
            return next;
        }
    }

    private void cancel(Cancel cancel) {
        Running r = running.get(cancel.getRequestId());
        if (r == null) {
            return; // answered already, or never known: ignored, as the protocol says
        }
        boolean wasQueued;
        synchronized (queue) {
            wasQueued = queue.remove(r);
        }
        r.end(ErrorCode.CANCELLED, cancel.getInterrupt());
        if (wasQueued) {
            running.remove(r.submit.getRequestId());
            send(failure(r.submit, ended(r.submit, ErrorCode.CANCELLED)));
        }
    }

    private void execute(Running r) {
        Submit s = r.submit;
        Frame answer;
        boolean succeeded = false;
        try {
            if (r.endedBy != null) {
                throw new InterruptedException("ended before it started");
            }
            Payload value = s.getFunction().equals(BATCH_FUNCTION) ? batch(r) : encode(
                    targets.resolve(s.getFunction()).call(s.getArgument()));
            answer = Frame.newBuilder().setResult(Result.newBuilder().setRequestId(s.getRequestId()).setValue(value)).build();
            succeeded = true;
        } catch (Throwable e) {
            answer = failure(s, errorOf(e));
        }
        running.remove(s.getRequestId());
        ErrorCode ended = r.endedBy;
        if (ended != null && !succeeded || ended == ErrorCode.CANCELLED) {
            answer = failure(s, ended(s, ended));
            succeeded = false;
        }
        if (s.getExitWhenDone() && !succeeded) {
            // As Python's Process does: the traceback goes to the child's stderr, exit code 1.
            System.err.println("Process " + CurrentProcess.get().name() + ":");
            RemoteError error = answer.getFailure().getError();
            System.err.print(error.getStackTrace().isEmpty() ? error.getType() + ": " + error.getMessage() + "\n"
                    : error.getStackTrace());
            System.err.flush();
        }
        if (!sendAnswer(s, answer)) {
            succeeded = false;
        }
        if (s.getExitWhenDone()) {
            exit(succeeded ? 0 : 1);
        }
    }

    private static Payload encode(Object result) {
        return result == null ? Payload.getDefaultInstance() : Codecs.encode(result);
    }

    /** Runs a "procwire.map" batch: one outcome per argument, stopping early only if ended. */
    private Payload batch(Running r) throws Exception {
        Batch batch;
        try {
            batch = Batch.parseFrom(r.submit.getArgument().getData());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new CodecException("bad " + BATCH_FUNCTION + " argument: " + e.getMessage(), e);
        }
        Targets.Invoker invoker = targets.resolve(batch.getFunction());
        BatchResult.Builder result = BatchResult.newBuilder();
        if (batch.hasColumn()) {
            columnBatch(r, invoker, BatchColumns.decode(batch.getColumn()), result);
        } else {
            for (Payload argument : batch.getArgumentsList()) {
                if (r.endedBy != null) {
                    throw new InterruptedException("batch ended early");
                }
                Outcome.Builder outcome = Outcome.newBuilder();
                try {
                    outcome.setValue(encode(invoker.call(argument)));
                } catch (Throwable e) {
                    outcome.setError(errorOf(e));
                }
                result.addOutcomes(outcome);
            }
        }
        return Payload.newBuilder().setContentType(BATCH_RESULT_TYPE).setData(result.build().toByteString()).build();
    }

    /**
     * A batch whose arguments came as a column: answered with a column too when every call
     * succeeded with a value of one column kind, else with an outcome per call.
     */
    private void columnBatch(Running r, Targets.Invoker invoker, List<?> arguments, BatchResult.Builder result)
            throws InterruptedException {
        Object[] values = new Object[arguments.size()];
        Throwable[] errors = null;
        for (int i = 0; i < values.length; i++) {
            if (r.endedBy != null) {
                throw new InterruptedException("batch ended early");
            }
            try {
                values[i] = invoker.apply(arguments.get(i));
            } catch (Throwable e) {
                if (errors == null) {
                    errors = new Throwable[values.length];
                }
                errors[i] = e;
            }
        }
        if (errors == null) {
            dev.procwire.proto.v1.Column column = BatchColumns.encode(java.util.Arrays.asList(values));
            if (column != null) {
                result.setColumn(column);
                return;
            }
        }
        for (int i = 0; i < values.length; i++) {
            Outcome.Builder outcome = Outcome.newBuilder();
            if (errors != null && errors[i] != null) {
                outcome.setError(errorOf(errors[i]));
            } else {
                try {
                    outcome.setValue(encode(values[i]));
                } catch (Throwable e) {
                    outcome.setError(errorOf(e));
                }
            }
            result.addOutcomes(outcome);
        }
    }

    private RemoteError errorOf(Throwable e) {
        if (e instanceof Targets.TargetUnavailable u) {
            Throwable cause = u.getCause() != null ? u.getCause() : u;
            return RemoteErrors.of(u.code, cause, workerId).toBuilder().setMessage(u.getMessage()).build();
        }
        if (e instanceof CodecException) {
            return RemoteErrors.of(ErrorCode.BAD_PAYLOAD, e, workerId);
        }
        return RemoteErrors.of(ErrorCode.TASK_FAILED, e, workerId);
    }

    private RemoteError ended(Submit s, ErrorCode why) {
        return RemoteErrors.of(why, why == ErrorCode.CANCELLED ? "Cancelled" : "DeadlineExceeded",
                why == ErrorCode.CANCELLED ? "cancelled" : "ran past its deadline of " + s.getDeadlineMillis() + " ms",
                workerId);
    }

    private static Frame failure(Submit s, RemoteError error) {
        return Frame.newBuilder().setFailure(Failure.newBuilder().setRequestId(s.getRequestId()).setError(error)).build();
    }

    private void fail(long requestId, RemoteError error) {
        send(Frame.newBuilder().setFailure(Failure.newBuilder().setRequestId(requestId).setError(error)).build());
    }

    // ---- exit

    private void shutdown(boolean graceful, long graceMillis) {
        shuttingDown = true;
        if (!graceful) {
            exit(0);
            return;
        }
        Thread t = new Thread(() -> {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMillis > 0 ? graceMillis : 10_000);
            while (!running.isEmpty() && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    break;
                }
            }
            exit(0);
        }, "procwire-shutdown");
        t.setDaemon(true);
        t.start();
    }

    private void installSignalHandlers() {
        for (String name : new String[] {"TERM", "INT", "HUP"}) {
            try {
                sun.misc.Signal signal = new sun.misc.Signal(name);
                sun.misc.Signal.handle(signal, s -> {
                    terminatingSignal = s.getNumber();
                    exit(128 + s.getNumber());
                });
            } catch (IllegalArgumentException e) {
                // signal in use by the JVM (-Xrs) or unknown here: the runtime then infers it
            }
        }
    }

    /** The shutdown hook: tell the runtime how we end if nothing has yet. */
    private void lastWord() {
        int signal = terminatingSignal;
        if (signal != 0) {
            notice(128 + signal, signal, "terminated by " + ExitCodes.signalName(signal));
        } else {
            // System.exit from user code: a hook cannot see the status, but saying that this
            // was an orderly exit lets the runtime tell exit(137) from SIGKILL.
            notice(-1, 0, "System.exit");
        }
        System.out.flush();
        System.err.flush();
    }

    private void notice(int status, int signal, String reason) {
        if (noticeSent.compareAndSet(false, true)) {
            send(Frame.newBuilder().setExitNotice(ExitNotice.newBuilder()
                    .setExitCode(status).setSignal(signal).setReason(reason)).build());
        }
    }

    /**
     * Exits with {@code status}, running shutdown hooks, and halts if they take longer than the
     * grace period, so a worker never outlives its purpose by more than 2 s.
     */
    private void exit(int status) {
        shuttingDown = true;
        if (terminatingSignal == 0) {
            notice(status, 0, "exit");
        }
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(EXIT_GRACE_MILLIS);
            } catch (InterruptedException ignored) {
                // halt now
            }
            Runtime.getRuntime().halt(status);
        }, "procwire-exit-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        Thread exiter = new Thread(() -> {
            transport.stopReading("exiting"); // no reader left in read(2): HotSpot would wait for it
            System.exit(status);
        }, "procwire-exit");
        exiter.start();
    }

    private void send(Frame frame) {
        try {
            transport.write(frame);
        } catch (IOException e) {
            // the runtime is gone; onTerminated ends the process
        }
    }

    /**
     * Sends a request's answer; one too large for a frame is replaced by a FRAME_TOO_LARGE
     * failure, so the request is still answered exactly once. Returns false if it was replaced.
     */
    private boolean sendAnswer(Submit s, Frame answer) {
        try {
            transport.write(answer);
            return true;
        } catch (dev.procwire.transport.TransportException e) {
            if (e.kind() != Termination.Kind.FRAME_TOO_LARGE) {
                return true; // the runtime is gone
            }
            send(failure(s, RemoteErrors.of(ErrorCode.FRAME_TOO_LARGE, "FrameTooLarge",
                    "the answer is too large to send: " + e.getMessage(), workerId)));
            return false;
        } catch (IOException e) {
            return true; // the runtime is gone; onTerminated ends the process
        }
    }
}
