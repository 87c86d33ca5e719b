package dev.procwire.internal;

import dev.procwire.OutputLine;
import dev.procwire.OutputListener;
import dev.procwire.proto.v1.ErrorCode;
import dev.procwire.proto.v1.ExitNotice;
import dev.procwire.proto.v1.Frame;
import dev.procwire.proto.v1.Heartbeat;
import dev.procwire.proto.v1.Hello;
import dev.procwire.proto.v1.Output;
import dev.procwire.proto.v1.ProtocolError;
import dev.procwire.proto.v1.Welcome;
import dev.procwire.transport.Termination;
import dev.procwire.transport.Transport;
import dev.procwire.transport.uds.PeerAuthentication;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * The runtime's side of one session with one worker: the handshake, request correlation (each
 * request gets exactly one answer, or fails when the worker goes), forwarded output and the
 * worker's exit notice. Frames arrive on the transport's thread; futures complete on
 * {@code callbacks}, so user code never runs on an I/O thread. Internal.
 */
public final class WorkerConnection implements Transport.Listener {
    /** The capabilities (PROTOCOL.md §12) this runtime uses when a worker offers them. */
    private static final List<String> USED_CAPABILITIES = List.of("actors", "cancel", BatchColumns.CAPABILITY);

    private final Transport transport;
    private final String workerId;
    private final String token;
    private volatile String workerName;
    private final long runtimePid = ProcessHandle.current().pid();
    private final int maxFrameBytes;
    private volatile int maxConcurrentTasks;
    private volatile OutputListener output;
    private volatile Executor callbacks;
    /** Set by {@link #holdWelcome()}: a Hello is kept unanswered until {@link #assign}. */
    private boolean holdWelcome;
    private Hello heldHello;
    private final CompletableFuture<Hello> helloArrived = new CompletableFuture<>();
    /**
     * Set while a worker is being handed out on the thread that asked for it: ready() then
     * completes on that thread, which runs no I/O, instead of a hop to {@code callbacks}.
     */
    private boolean answerOnThisThread;
    private final CompletableFuture<Hello> ready = new CompletableFuture<>();
    private final CompletableFuture<Termination> closed = new CompletableFuture<>();
    private final Map<Long, CompletableFuture<Frame>> pending = new ConcurrentHashMap<>();
    private final AtomicLong nextRequestId = new AtomicLong(1);
    private volatile ExitNotice exitNotice;
    private volatile String protocolError;
    private volatile List<String> agreed = List.of();
    private OutputAssembler stdout;
    private OutputAssembler stderr;

    public WorkerConnection(Transport transport, String workerId, String workerName, int maxFrameBytes,
                            OutputListener output, Executor callbacks) {
        this(transport, workerId, workerName, 0, maxFrameBytes, output, callbacks);
    }

    public WorkerConnection(Transport transport, String workerId, String workerName, int maxConcurrentTasks,
                            int maxFrameBytes, OutputListener output, Executor callbacks) {
        this(transport, workerId, workerName, maxConcurrentTasks, maxFrameBytes, output, callbacks, null);
    }

    /**
     * @param token the one-time token the worker's Hello must carry, or {@code null} if none is
     *     asked (pipes, which no other process can reach)
     */
    public WorkerConnection(Transport transport, String workerId, String workerName, int maxConcurrentTasks,
                            int maxFrameBytes, OutputListener output, Executor callbacks, String token) {
        this.token = token;
        this.maxConcurrentTasks = maxConcurrentTasks;
        this.transport = transport;
        this.workerId = workerId;
        this.workerName = workerName;
        this.maxFrameBytes = maxFrameBytes;
        this.output = output;
        this.callbacks = callbacks;
    }

    /** Starts the transport; {@link #ready()} completes when the handshake is done. */
    public void start() {
        transport.start(this);
    }

    /**
     * Starts the transport of a worker whose {@code Hello} frame was already read from its
     * stream by someone else (a fork server hands over a worker that has said hello), and
     * answers that Hello as if it had arrived here.
     */
    public void start(Frame hello) {
        transport.start(this);
        answerOnThisThread = true; // the caller starts a worker; it may complete ready() itself
        try {
            onFrame(hello);
        } finally {
            answerOnThisThread = false;
        }
    }

    /** The worker's Hello, once it was accepted and answered. */
    public CompletableFuture<Hello> ready() {
        return ready;
    }

    /** Completes when the connection has ended. */
    public CompletableFuture<Termination> closed() {
        return closed;
    }

    /** The worker's exit notice, if it sent one. */
    public ExitNotice exitNotice() {
        return exitNotice;
    }

    /** The protocol error that ended the session, if one did. */
    public String protocolError() {
        return protocolError;
    }

    public Transport transport() {
        return transport;
    }

    /** Whether {@code capability} was agreed in the handshake: offered by the worker, used by us. */
    public boolean agreed(String capability) {
        return agreed.contains(capability);
    }

    /**
     * Sends a request built with a fresh request id; the future completes with the answering
     * Result or Failure frame.
     */
    public CompletableFuture<Frame> request(LongFunction<Frame> build) {
        long id = nextRequestId.getAndIncrement();
        CompletableFuture<Frame> answer = new CompletableFuture<>();
        pending.put(id, answer);
        transport.send(build.apply(id)).whenComplete((v, e) -> {
            if (e != null && pending.remove(id) != null) {
                callbacks.execute(() -> answer.completeExceptionally(e));
            }
        });
        return answer;
    }

    /** Fails every request still waiting, each with the exception {@code failure} makes for its id. */
    public void failPending(LongFunction<Throwable> failure) {
        for (Long id : pending.keySet()) {
            CompletableFuture<Frame> f = pending.remove(id);
            if (f != null) {
                Throwable t = failure.apply(id);
                callbacks.execute(() -> f.completeExceptionally(t));
            }
        }
    }

    @Override
    public void onFrame(Frame frame) {
        if (!ready.isDone()) {
            handshake(frame);
            return;
        }
        switch (frame.getBodyCase()) {
            case RESULT -> answer(frame.getResult().getRequestId(), frame);
            case FAILURE -> answer(frame.getFailure().getRequestId(), frame);
            case OUTPUT -> output(frame.getOutput());
            case HEARTBEAT -> {
                if (!frame.getHeartbeat().getEcho()) {
                    transport.send(Frame.newBuilder().setHeartbeat(
                            Heartbeat.newBuilder().setSequence(frame.getHeartbeat().getSequence()).setEcho(true)).build());
                }
            }
            case EXIT_NOTICE -> exitNotice = frame.getExitNotice();
            case PROTOCOL_ERROR -> protocolError = frame.getProtocolError().getCode() + ": "
                    + frame.getProtocolError().getMessage();
            case BODY_NOT_SET -> { } // a newer peer's frame: ignored, as PROTOCOL.md says
            default -> violation("unexpected " + frame.getBodyCase() + " frame from the worker");
        }
    }

    private void handshake(Frame frame) {
        if (frame.getBodyCase() != Frame.BodyCase.HELLO) {
            refuse(ErrorCode.PROTOCOL_VIOLATION, "expected Hello as the worker's first frame, got " + frame.getBodyCase());
            return;
        }
        Hello hello = frame.getHello();
        // The checks, in PROTOCOL.md section 4's order: the first failure is the one answered.
        int max = hello.getProtocolVersion();
        int min = hello.getMinProtocolVersion() == 0 ? max : hello.getMinProtocolVersion();
        if (max == 0 || min > max) {
            refuse(ErrorCode.PROTOCOL_VIOLATION, "worker " + workerName + " announced no valid protocol range ("
                    + hello.getMinProtocolVersion() + ".." + max + ")");
            return;
        }
        if (!hello.getWorkerId().equals(workerId)) {
            refuse(ErrorCode.UNAUTHENTICATED, "worker announced id \"" + hello.getWorkerId()
                    + "\" but was started as \"" + workerId + "\"");
            return;
        }
        if (token != null && !PeerAuthentication.tokenMatches(token, hello.getAuthToken().toByteArray())) {
            refuse(ErrorCode.UNAUTHENTICATED, "worker " + workerName + " did not present the one-time token it was "
                    + "given in " + Protocol.ENV_TOKEN + (hello.getAuthToken().isEmpty() ? " (none)" : " (a wrong one)"));
            return;
        }
        if (Math.min(max, Protocol.MAX_VERSION) < Math.max(min, Protocol.MIN_VERSION)) {
            refuse(ErrorCode.VERSION_MISMATCH, "worker " + workerName + " speaks protocol " + min + ".." + max
                    + ", runtime speaks " + Protocol.MIN_VERSION + ".." + Protocol.MAX_VERSION);
            return;
        }
        synchronized (this) {
            if (holdWelcome) {
                heldHello = hello;
                helloArrived.complete(hello);
                return;
            }
        }
        welcome(hello);
    }

    private void welcome(Hello hello) {
        stdout = new OutputAssembler(workerName, hello.getPid(), OutputLine.Stream.STDOUT, output);
        stderr = new OutputAssembler(workerName, hello.getPid(), OutputLine.Stream.STDERR, output);
        agreed = hello.getCapabilitiesList().stream().filter(USED_CAPABILITIES::contains).distinct().toList();
        transport.send(Frame.newBuilder().setWelcome(Welcome.newBuilder()
                .setProtocolVersion(Math.min(hello.getProtocolVersion(), Protocol.MAX_VERSION))
                .setWorkerName(workerName)
                .setRuntimePid(runtimePid)
                .setMaxFrameBytes(maxFrameBytes)
                .setMaxConcurrentTasks(maxConcurrentTasks)
                .addAllCapabilities(agreed)).build());
        if (answerOnThisThread) {
            ready.complete(hello);
        } else {
            Executor c = callbacks;
            c.execute(() -> ready.complete(hello));
        }
    }

    /**
     * Keeps this worker's Hello unanswered once it was checked, so that a worker started ahead of
     * demand (the {@code warm} start method) is named and welcomed only when it is handed out.
     * Call before {@link #start()}.
     */
    public synchronized void holdWelcome() {
        holdWelcome = true;
    }

    /** Completes with the worker's checked Hello while its Welcome is held. */
    public CompletableFuture<Hello> helloArrived() {
        return helloArrived;
    }

    /**
     * Hands a held worker to its user: names it and welcomes it; {@link #ready()} completes then.
     *
     * @throws IllegalStateException if no Hello is held (none arrived, or it was answered)
     */
    public void assign(String name, int maxConcurrent, OutputListener listener, Executor futures) {
        Hello hello;
        synchronized (this) {
            if (heldHello == null) {
                throw new IllegalStateException("worker " + workerName + " has no held Hello to answer");
            }
            hello = heldHello;
            heldHello = null;
            holdWelcome = false;
            workerName = name;
            maxConcurrentTasks = maxConcurrent;
            output = listener;
            callbacks = futures;
            answerOnThisThread = true;
        }
        try {
            welcome(hello);
        } finally {
            synchronized (this) {
                answerOnThisThread = false;
            }
        }
    }

    private void refuse(ErrorCode code, String message) {
        protocolError = code + ": " + message;
        transport.send(Frame.newBuilder().setProtocolError(
                ProtocolError.newBuilder().setCode(code).setMessage(message)).build());
        transport.shutdown();
        ProtocolViolation v = new ProtocolViolation(code, message);
        helloArrived.completeExceptionally(v);
        callbacks.execute(() -> ready.completeExceptionally(v));
    }

    private void violation(String message) {
        protocolError = ErrorCode.PROTOCOL_VIOLATION + ": " + message;
        transport.send(Frame.newBuilder().setProtocolError(ProtocolError.newBuilder()
                .setCode(ErrorCode.PROTOCOL_VIOLATION).setMessage(message)).build());
        transport.shutdown();
    }

    private void answer(long id, Frame frame) {
        CompletableFuture<Frame> f = pending.remove(id);
        if (f == null) {
            violation("answer to request " + id + ", which is not pending");
            return;
        }
        callbacks.execute(() -> f.complete(frame));
    }

    private void output(Output out) {
        OutputAssembler target = out.getStream() == Output.Stream.STDOUT ? stdout : stderr;
        byte[] data = out.getData().toByteArray();
        target.add(data, 0, data.length);
    }

    @Override
    public void onTerminated(Termination termination) {
        if (stdout != null) {
            stdout.finish();
            stderr.finish();
        }
        if (!termination.isClean() && protocolError == null) {
            protocolError = termination.message();
        }
        ProtocolViolation early = new ProtocolViolation(ErrorCode.PROTOCOL_VIOLATION,
                "connection ended before the handshake: " + termination);
        helloArrived.completeExceptionally(early);
        callbacks.execute(() -> {
            ready.completeExceptionally(early);
            closed.complete(termination);
        });
    }

    /** A breach of the protocol, or a refused handshake, with its stable code. */
    public static final class ProtocolViolation extends RuntimeException {
        private final ErrorCode code;

        public ProtocolViolation(ErrorCode code, String message) {
            super(message);
            this.code = code;
        }

        public ErrorCode code() {
            return code;
        }
    }
}
