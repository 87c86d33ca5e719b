package dev.procwire;

import dev.procwire.codec.Codecs;
import dev.procwire.internal.ExitCodes;
import dev.procwire.internal.WorkerHandle;
import dev.procwire.proto.v1.ActorAsk;
import dev.procwire.proto.v1.ActorCreate;
import dev.procwire.proto.v1.ActorStop;
import dev.procwire.proto.v1.ActorTell;
import dev.procwire.proto.v1.ErrorCode;
import dev.procwire.proto.v1.Frame;
import dev.procwire.proto.v1.Payload;
import dev.procwire.transport.Termination;
import dev.procwire.transport.TransportException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The parent's handle on an {@link Actor} living in a worker process.
 *
 * <p>{@link #tell} sends a message and returns at once; {@link #ask} sends one and returns a
 * future of the reply; {@link #stop} stops the actor after the messages sent before it. Messages
 * sent through one reference from one thread reach the actor in the order sent, tells and asks
 * alike, and the actor handles them one at a time. Futures complete on procwire's callback
 * threads, never on its I/O threads: an ask whose actor threw fails with a {@link RemoteException}
 * (remote type, message and stack trace); one pending when the worker died fails with a
 * {@link WorkerDiedException} naming the worker, its pid and how it ended.
 *
 * <p>After {@link #stop} or the death of its worker, {@code tell} throws and {@code ask} fails at
 * once with an {@link ActorTerminatedException} saying which. Thread safe.
 *
 * @param <M> the message type
 * @param <R> the reply type
 */
public final class ActorRef<M, R> {
    private static final AtomicLong NUMBER = new AtomicLong();
    /** The live actors of each worker, keyed by its exit: told once when it ends. */
    private static final Map<CompletableFuture<Integer>, Set<ActorRef<?, ?>>> WATCHED = new ConcurrentHashMap<>();

    private final String id;
    private final String kind;
    private final WorkerHandle worker;
    private final Executor callbacks;
    private final Object lock = new Object();
    /** Answers still awaited: failed by the worker's death if it comes first. */
    private final Set<CompletableFuture<?>> pending = ConcurrentHashMap.newKeySet();
    private String endedWhy;        // guarded by lock; non-null once tells and asks are refused
    private Throwable endedCause;   // guarded by lock
    private CompletableFuture<Void> stopping; // guarded by lock

    private ActorRef(String id, String kind, WorkerHandle worker, Executor callbacks) {
        this.id = id;
        this.kind = kind;
        this.worker = worker;
        this.callbacks = callbacks;
    }

    /**
     * Creates an actor of {@code kind} in {@code worker}; the future completes with its
     * reference once the worker has built it, on {@code callbacks}. Releases the worker when the
     * actor ends (creation failed, stopped, or died with the worker).
     */
    static <M, R> CompletableFuture<ActorRef<M, R>> create(WorkerHandle worker, String kind, String name,
                                                           Payload initArgument, Executor callbacks) {
        ActorRef<M, R> ref = new ActorRef<>(name + "-" + NUMBER.incrementAndGet(), kind, worker, callbacks);
        if (!worker.connection().agreed("actors")) {
            worker.release();
            return CompletableFuture.failedFuture(new ProcwireException("worker " + worker.name() + " (pid "
                    + worker.pid() + ") does not host actors: it did not offer the \"actors\" capability"));
        }
        ref.watch();
        CompletableFuture<ActorRef<M, R>> created;
        synchronized (ref.lock) {
            created = ref.track(worker.connection().request(rid -> Frame.newBuilder().setActorCreate(
                    ActorCreate.newBuilder().setRequestId(rid).setActorId(ref.id).setKind(kind)
                            .setArgument(initArgument)).build()), frame -> {
                                ref.throwIfFailed(frame);
                                return ref;
                            });
        }
        created.whenComplete((r, e) -> {
            if (e != null) {
                ref.end("the creation of actor " + ref.id + " failed", e);
            }
        });
        return created;
    }

    /** A name for actors of {@code type}: its simple name, as Python names processes. */
    static String nameOf(Class<?> type) {
        String simple = type.getSimpleName();
        return simple.isEmpty() ? "Actor" : simple;
    }

    // ---- messages

    /**
     * Sends {@code message} and returns at once. What the actor does with it is not reported
     * back; if it throws, the worker logs a line naming the actor and the error.
     *
     * @throws ActorTerminatedException if the actor was stopped or died with its worker
     * @throws dev.procwire.codec.CodecException if the message cannot be sent
     */
    public void tell(M message) {
        Payload payload = Codecs.encode(message);
        synchronized (lock) {
            throwIfEnded();
            worker.connection().transport().send(Frame.newBuilder().setActorTell(
                    ActorTell.newBuilder().setActorId(id).setMessage(payload)).build());
        }
    }

    /**
     * Sends {@code message}; the future completes with the actor's reply, or fails with a
     * {@link RemoteException} if the actor threw, a {@link WorkerDiedException} if its worker
     * died first, or an {@link ActorTerminatedException} if the actor had already ended.
     *
     * @throws dev.procwire.codec.CodecException if the message cannot be sent
     */
    public CompletableFuture<R> ask(M message) {
        Payload payload = Codecs.encode(message);
        synchronized (lock) {
            if (endedWhy != null) {
                return CompletableFuture.failedFuture(terminated());
            }
            return track(worker.connection().request(rid -> Frame.newBuilder().setActorAsk(ActorAsk.newBuilder()
                    .setRequestId(rid).setActorId(id).setMessage(payload)).build()), this::reply);
        }
    }

    /**
     * Stops the actor once the messages sent before are handled, calling its
     * {@link Actor#stopped()}. The future completes when it has stopped, or fails with a
     * {@link RemoteException} if {@code stopped()} threw (the actor is removed anyway). Later
     * tells and asks are refused at once. Idempotent: an actor already stopped, or gone with its
     * worker, gives a completed future.
     */
    public CompletableFuture<Void> stop() {
        synchronized (lock) {
            if (stopping == null) {
                if (endedWhy != null) {
                    stopping = CompletableFuture.completedFuture(null);
                } else {
                    endedWhy = "actor " + id + " was stopped";
                    stopping = track(worker.connection().request(rid -> Frame.newBuilder().setActorStop(
                            ActorStop.newBuilder().setRequestId(rid).setActorId(id)).build()), frame -> {
                                if (frame.hasFailure() && frame.getFailure().getError().getCode() != ErrorCode.NOT_FOUND) {
                                    throw new RemoteException(frame.getFailure().getError());
                                }
                                return null;
                            });
                    stopping.whenComplete((v, e) -> finish());
                }
            }
            return stopping.copy();
        }
    }

    // ---- who

    /** The actor's id, unique in this runtime, such as {@code Counter-3}. */
    public String id() {
        return id;
    }

    /** What was created: {@code java:} and a class name, or a registered name. */
    public String kind() {
        return kind;
    }

    /** The worker process the actor lives in: its name and pid. */
    public ProcessInfo worker() {
        return new ProcessInfo(worker.name(), worker.pid(), ProcessHandle.current().pid());
    }

    /** False once the actor was stopped, failed to be created, or died with its worker. */
    public boolean isAlive() {
        synchronized (lock) {
            return endedWhy == null;
        }
    }

    @Override
    public String toString() {
        return "<ActorRef id='" + id + "' kind='" + kind + "' worker='" + worker.name() + "' pid=" + worker.pid()
                + (isAlive() ? "" : " ended") + ">";
    }

    // ---- internals

    @FunctionalInterface
    private interface Answer<T> {
        T apply(Frame frame) throws Exception;
    }

    /** Follows a request's answer, completing the returned future on the callback executor. Under the lock. */
    private <T> CompletableFuture<T> track(CompletableFuture<Frame> answer, Answer<T> onAnswer) {
        CompletableFuture<T> result = new CompletableFuture<>();
        pending.add(result);
        result.whenComplete((v, e) -> pending.remove(result));
        answer.whenComplete((frame, error) -> {
            if (error != null) {
                failed(result, error);
                return;
            }
            callbacks.execute(() -> {
                try {
                    result.complete(onAnswer.apply(frame));
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                }
            });
        });
        return result;
    }

    @SuppressWarnings("unchecked")
    private R reply(Frame frame) {
        if (frame.hasFailure() && frame.getFailure().getError().getCode() == ErrorCode.NOT_FOUND) {
            end("actor " + id + " is no longer in worker " + worker.name() + " (pid " + worker.pid() + ")", null);
        }
        throwIfFailed(frame);
        return (R) Codecs.decode(frame.getResult().getValue());
    }

    private void throwIfFailed(Frame frame) {
        if (frame.hasFailure()) {
            throw new RemoteException(frame.getFailure().getError());
        }
    }

    /**
     * A request failed without an answer. If the worker died (or is dying: the send failed on a
     * closed connection), its death is the reason; other errors, such as a frame too large, are.
     */
    private void failed(CompletableFuture<?> result, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof WorkerDiedException died) {
            // The worker is gone, so is the actor: messages from now on are refused as such,
            // whichever of the worker's end and this failure was learned first.
            end("actor " + id + " died with worker " + worker.name() + " (pid " + worker.pid() + "): "
                    + ExitCodes.describe(died.exitCode()), died);
            callbacks.execute(() -> result.completeExceptionally(cause));
            return;
        }
        if (cause instanceof TransportException t && t.kind() == Termination.Kind.FRAME_TOO_LARGE) {
            callbacks.execute(() -> result.completeExceptionally(cause));
            return;
        }
        // Give the worker's end a moment to be known; workerDied() then fails the request.
        worker.exitCode().copy().completeOnTimeout(null, 2, TimeUnit.SECONDS).thenAccept(code -> {
            if (code == null) {
                callbacks.execute(() -> result.completeExceptionally(cause));
            }
        });
    }

    private void workerDied(int exitCode) {
        WorkerDiedException why = new WorkerDiedException(worker.name(), worker.pid(), exitCode);
        end("actor " + id + " died with worker " + worker.name() + " (pid " + worker.pid() + "): "
                + ExitCodes.describe(exitCode), why);
        for (CompletableFuture<?> f : pending) {
            callbacks.execute(() -> f.completeExceptionally(why));
        }
    }

    /** From now on tells and asks are refused with {@code why}; the worker is given back. */
    private void end(String why, Throwable cause) {
        synchronized (lock) {
            if (endedWhy == null) {
                endedWhy = why;
                endedCause = cause instanceof CompletionException && cause.getCause() != null ? cause.getCause() : cause;
            }
        }
        finish();
    }

    /** Hears of the worker's end: one hook per worker, however many actors it hosted over time. */
    private void watch() {
        CompletableFuture<Integer> exit = worker.exitCode();
        boolean[] first = {false};
        Set<ActorRef<?, ?>> refs = WATCHED.computeIfAbsent(exit, e -> {
            first[0] = true;
            return ConcurrentHashMap.newKeySet();
        });
        refs.add(this);
        if (first[0]) {
            exit.thenAccept(code -> {
                Set<ActorRef<?, ?>> watched = WATCHED.remove(exit);
                if (watched != null) {
                    watched.forEach(r -> r.workerDied(code));
                }
            });
        }
        if (exit.isDone()) {
            workerDied(exit.join()); // it ended while this one joined: no hook may be left to tell
        }
    }

    /** The actor has ended: the worker is given back and no longer watched for it. */
    private void finish() {
        worker.release();
        Set<ActorRef<?, ?>> refs = WATCHED.get(worker.exitCode());
        if (refs != null) {
            refs.remove(this);
        }
    }

    private void throwIfEnded() {
        if (endedWhy != null) {
            throw terminated();
        }
    }

    private ActorTerminatedException terminated() {
        return new ActorTerminatedException(id, endedWhy, endedCause);
    }
}
