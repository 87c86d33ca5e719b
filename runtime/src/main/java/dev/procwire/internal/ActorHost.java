package dev.procwire.internal;

import com.google.protobuf.ByteString;
import dev.procwire.Actor;
import dev.procwire.Actors;
import dev.procwire.RestartPolicy;
import dev.procwire.codec.CodecException;
import dev.procwire.codec.Codecs;
import dev.procwire.proto.v1.ActorAsk;
import dev.procwire.proto.v1.ActorCreate;
import dev.procwire.proto.v1.ActorStop;
import dev.procwire.proto.v1.ActorTell;
import dev.procwire.proto.v1.ErrorCode;
import dev.procwire.proto.v1.Failure;
import dev.procwire.proto.v1.Frame;
import dev.procwire.proto.v1.Output;
import dev.procwire.proto.v1.Payload;
import dev.procwire.proto.v1.RemoteError;
import dev.procwire.proto.v1.Result;
import dev.procwire.proto.v1.Shutdown;
import dev.procwire.proto.v1.Welcome;
import dev.procwire.transport.FrameLimits;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The actors of one Java worker (PROTOCOL.md §8): ActorCreate, ActorTell, ActorAsk and ActorStop.
 *
 * <p>Each actor has a mailbox: the reading thread only appends to it, in arrival order, and the
 * mailbox is drained on a thread of a shared pool, one message at a time, so messages to one
 * actor are handled in order and never concurrently while different actors run in parallel.
 * Creation is the first message of a new mailbox, so messages sent right behind an ActorCreate
 * wait for it. Every request is answered exactly once. Thread safe. Internal.
 */
final class ActorHost {
    /** The capability that offers actors. */
    static final String CAPABILITY = "actors";

    /** Goes on with the worker's own shutdown once the actors have had theirs. */
    @FunctionalInterface
    interface WorkerShutdown {
        void shutdown(boolean graceful, long graceMillis);
    }

    private final Consumer<Frame> send;
    private final String workerId;
    private final Supplier<Welcome> welcome;
    private final Map<String, Mailbox> actors = new ConcurrentHashMap<>();
    /** Mailboxes with messages to handle, or being handled. */
    private final AtomicInteger busy = new AtomicInteger();
    private final ExecutorService threads;
    private volatile boolean closing;

    /**
     * @param send writes a frame to the runtime
     * @param workerId this worker's id, for errors
     * @param welcome the runtime's Welcome, or null before it came
     */
    ActorHost(Consumer<Frame> send, String workerId, Supplier<Welcome> welcome) {
        this.send = send;
        this.workerId = workerId;
        this.welcome = welcome;
        // The application's classes load through the context class loader of the thread that
        // builds the worker (see WorkerMain); actors run on threads that keep it.
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        AtomicInteger number = new AtomicInteger();
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "procwire-actor-" + number.incrementAndGet());
            t.setDaemon(true);
            t.setContextClassLoader(loader);
            return t;
        });
    }

    /** Handles an actor frame on the reading thread: appends to a mailbox, or answers at once. */
    void onFrame(Frame frame) {
        switch (frame.getBodyCase()) {
            case ACTOR_CREATE -> create(frame.getActorCreate());
            case ACTOR_TELL -> tell(frame.getActorTell());
            case ACTOR_ASK -> ask(frame.getActorAsk());
            case ACTOR_STOP -> stop(frame.getActorStop());
            default -> throw new IllegalArgumentException("not an actor frame: " + frame.getBodyCase());
        }
    }

    /**
     * Shutdown (PROTOCOL.md §10.3): a graceful one lets the actor messages that arrived before it
     * run, refusing later ones, and then hands over to {@code next} with the grace left; a
     * forced one hands over at once.
     */
    void drainThen(Shutdown shutdown, WorkerShutdown next) {
        if (!shutdown.getGraceful()) {
            closing = true;
            next.shutdown(false, shutdown.getGraceMillis());
            return;
        }
        if (closing) {
            return; // a repeated graceful Shutdown is ignored
        }
        closing = true;
        long graceMillis = shutdown.getGraceMillis() > 0 ? shutdown.getGraceMillis() : 10_000;
        if (busy.get() == 0) {
            next.shutdown(true, graceMillis);
            return;
        }
        Thread t = new Thread(() -> {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMillis);
            while (busy.get() > 0 && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    break;
                }
            }
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            next.shutdown(true, Math.max(1, left));
        }, "procwire-actor-shutdown");
        t.setDaemon(true);
        t.start();
    }

    // ---- on the reading thread

    private void create(ActorCreate c) {
        if (refused(c.getRequestId())) {
            return;
        }
        Mailbox box = new Mailbox(c.getActorId(), c.getKind(), c.getArgument());
        if (actors.putIfAbsent(c.getActorId(), box) != null) {
            fail(c.getRequestId(), RemoteErrors.of(ErrorCode.PROTOCOL_VIOLATION, "DuplicateActor",
                    "an actor with id \"" + c.getActorId() + "\" already exists in worker " + workerId,
                    workerId));
            return;
        }
        box.post(() -> box.build(c.getRequestId()));
    }

    private void tell(ActorTell t) {
        if (!agreed()) {
            log("actor message to " + t.getActorId() + " dropped: the \"actors\" capability was not agreed");
            return;
        }
        if (closing) {
            log("actor message to " + t.getActorId() + " dropped: the worker is shutting down");
            return;
        }
        Mailbox box = actors.get(t.getActorId());
        if (box == null) {
            log("actor message dropped: no actor " + t.getActorId() + " in this worker");
            return;
        }
        box.post(() -> box.told(t.getMessage()));
    }

    private void ask(ActorAsk a) {
        Mailbox box = mailboxFor(a.getRequestId(), a.getActorId());
        if (box != null) {
            box.post(() -> box.asked(a.getRequestId(), a.getMessage()));
        }
    }

    private void stop(ActorStop s) {
        Mailbox box = mailboxFor(s.getRequestId(), s.getActorId());
        if (box != null) {
            box.post(() -> box.stopRequested(s.getRequestId()));
        }
    }

    /** The mailbox a request goes to, or null once the request was answered here (refused, no such actor). */
    private Mailbox mailboxFor(long requestId, String actorId) {
        if (refused(requestId)) {
            return null;
        }
        Mailbox box = actors.get(actorId);
        if (box == null) {
            fail(requestId, notFound(actorId));
        }
        return box;
    }

    /** Answers a request that cannot be taken now; true if it did. */
    private boolean refused(long requestId) {
        if (!agreed()) {
            fail(requestId, RemoteErrors.of(ErrorCode.PROTOCOL_VIOLATION, "UnsupportedOperation",
                    "the \"actors\" capability was not agreed with this worker", workerId));
            return true;
        }
        if (closing) {
            fail(requestId, RemoteErrors.of(ErrorCode.SHUTTING_DOWN, "ShuttingDown",
                    "worker " + workerId + " is shutting down", workerId).toBuilder().setRetryable(true).build());
            return true;
        }
        return false;
    }

    private boolean agreed() {
        Welcome w = welcome.get();
        return w != null && w.getCapabilitiesList().contains(CAPABILITY);
    }

    // ---- one actor

    /** An actor's mailbox and, on its thread, the actor itself. */
    private final class Mailbox implements Runnable {
        final String id;
        final String kind;
        final Payload argument;
        private final ArrayDeque<Runnable> queue = new ArrayDeque<>(); // guards scheduled
        private boolean scheduled;
        // Touched only by the message being handled; the queue's lock orders the handlers.
        private Supplier<Actor<Object, Object>> factory;
        private Actor<Object, Object> actor;
        private boolean gone;

        Mailbox(String id, String kind, Payload argument) {
            this.id = id;
            this.kind = kind;
            this.argument = argument;
        }

        void post(Runnable message) {
            synchronized (queue) {
                queue.addLast(message);
                if (scheduled) {
                    return;
                }
                scheduled = true;
                busy.incrementAndGet();
            }
            threads.execute(this);
        }

        @Override
        public void run() {
            while (true) {
                Runnable next;
                synchronized (queue) {
                    next = queue.pollFirst();
                    if (next == null) {
                        scheduled = false;
                        busy.decrementAndGet();
                        return;
                    }
                }
                try {
                    next.run();
                } catch (Throwable t) {
                    log("actor " + id + ": " + t); // a bug of ours; the mailbox goes on
                } finally {
                    Thread.interrupted(); // an interrupt must not reach the next message
                }
            }
        }

        void build(long requestId) {
            try {
                factory = factory(kind);
                actor = fresh();
                answer(requestId, Payload.getDefaultInstance());
            } catch (Throwable e) {
                remove();
                fail(requestId, errorOf(e));
            }
        }

        /** A new instance, initialised with the creation argument. */
        private Actor<Object, Object> fresh() throws Exception {
            Object init = Codecs.decode(argument);
            Actor<Object, Object> a;
            try {
                a = factory.get();
            } catch (RuntimeException | Error e) {
                throw new Failed(e);
            }
            if (a == null) {
                throw new Unavailable(ErrorCode.TASK_FAILED, "the factory of actor kind \"" + kind
                        + "\" returned null", null);
            }
            try {
                a.init(init);
            } catch (Exception | Error e) {
                throw new Failed(e);
            }
            return a;
        }

        void asked(long requestId, Payload message) {
            if (gone) {
                fail(requestId, notFound(id));
                return;
            }
            Object decoded;
            Object reply;
            try {
                decoded = Codecs.decode(message);
            } catch (RuntimeException e) {
                fail(requestId, errorOf(e));
                return;
            }
            try {
                reply = actor.receive(decoded);
            } catch (Throwable e) {
                fail(requestId, RemoteErrors.of(ErrorCode.TASK_FAILED, e, workerId));
                afterFailure();
                return;
            }
            try {
                answer(requestId, reply == null ? Payload.getDefaultInstance() : Codecs.encode(reply));
            } catch (RuntimeException e) {
                fail(requestId, errorOf(e));
            }
        }

        void told(Payload message) {
            if (gone) {
                log("actor message dropped: actor " + id + " is gone");
                return;
            }
            Object decoded;
            try {
                decoded = Codecs.decode(message);
            } catch (RuntimeException e) {
                log("actor " + id + ": message dropped: " + e);
                return;
            }
            try {
                actor.receive(decoded);
            } catch (Throwable e) {
                log("actor " + id + " failed on a message: " + e);
                afterFailure();
            }
        }

        void stopRequested(long requestId) {
            if (gone) {
                fail(requestId, notFound(id));
                return;
            }
            remove();
            try {
                actor.stopped();
                answer(requestId, Payload.getDefaultInstance());
            } catch (Throwable e) {
                fail(requestId, RemoteErrors.of(ErrorCode.TASK_FAILED, e, workerId));
            } finally {
                actor = null;
            }
        }

        /** Applies the actor's restart policy after receive threw. */
        private void afterFailure() {
            RestartPolicy policy;
            try {
                policy = actor.restartPolicy();
            } catch (Throwable e) {
                policy = null;
            }
            if (policy == null || policy == RestartPolicy.RESUME) {
                return;
            }
            stopQuietly();
            if (policy == RestartPolicy.STOP) {
                remove();
                actor = null;
                return;
            }
            try {
                actor = fresh();
            } catch (Throwable e) {
                log("actor " + id + " could not be restarted, it stops: " + (e instanceof Failed f ? f.getCause() : e));
                remove();
                actor = null;
            }
        }

        private void stopQuietly() {
            try {
                actor.stopped();
            } catch (Throwable e) {
                log("actor " + id + ": stopped() threw " + e);
            }
        }

        /** From now on the id is unknown here and may be created again. */
        private void remove() {
            gone = true;
            actors.remove(id, this);
        }
    }

    // ---- building actors

    /** The kind could not be found or built; {@link #code} says which. */
    private static final class Unavailable extends Exception {
        final ErrorCode code;

        Unavailable(ErrorCode code, String message, Throwable cause) {
            super(message, cause);
            this.code = code;
        }
    }

    /** User code (a constructor, factory or init) threw its cause. */
    private static final class Failed extends Exception {
        Failed(Throwable cause) {
            super(cause);
        }
    }

    private Supplier<Actor<Object, Object>> factory(String kind) throws Unavailable {
        if (!kind.startsWith(Protocol.JAVA_PREFIX)) {
            Supplier<? extends Actor<?, ?>> registered = Actors.lookup(kind).orElseThrow(() -> new Unavailable(
                    ErrorCode.NOT_FOUND, "no actor kind named \"" + kind + "\" is registered in worker "
                    + workerId, null));
            @SuppressWarnings("unchecked")
            Supplier<Actor<Object, Object>> s = (Supplier<Actor<Object, Object>>) (Supplier<?>) registered;
            return s;
        }
        String className = kind.substring(Protocol.JAVA_PREFIX.length());
        Class<?> type;
        try {
            type = Class.forName(className, true, Thread.currentThread().getContextClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new Unavailable(ErrorCode.NOT_FOUND, "actor class " + className + " could not be loaded in worker "
                    + workerId + ": " + e, e);
        }
        if (!Actor.class.isAssignableFrom(type)) {
            throw new Unavailable(ErrorCode.NOT_FOUND, className + " is not a " + Actor.class.getName(), null);
        }
        Constructor<?> constructor;
        try {
            constructor = type.getDeclaredConstructor();
            constructor.setAccessible(true);
        } catch (NoSuchMethodException | RuntimeException e) {
            throw new Unavailable(ErrorCode.NOT_FOUND, "actor class " + className
                    + " has no usable no-argument constructor: " + e, e);
        }
        return () -> {
            try {
                @SuppressWarnings("unchecked")
                Actor<Object, Object> a = (Actor<Object, Object>) constructor.newInstance();
                return a;
            } catch (InvocationTargetException e) {
                throw new ConstructorFailed(e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new ConstructorFailed(e);
            }
        };
    }

    /** Carries what a constructor threw out of a Supplier. */
    private static final class ConstructorFailed extends RuntimeException {
        ConstructorFailed(Throwable cause) {
            super(cause);
        }
    }

    // ---- answers

    private RemoteError errorOf(Throwable e) {
        if (e instanceof Unavailable u) {
            Throwable cause = u.getCause() != null ? u.getCause() : u;
            return RemoteErrors.of(u.code, cause, workerId).toBuilder().setMessage(u.getMessage()).build();
        }
        if (e instanceof Failed f) {
            Throwable cause = f.getCause() instanceof ConstructorFailed c ? c.getCause() : f.getCause();
            return RemoteErrors.of(ErrorCode.TASK_FAILED, cause, workerId);
        }
        if (e instanceof CodecException) {
            return RemoteErrors.of(ErrorCode.BAD_PAYLOAD, e, workerId);
        }
        return RemoteErrors.of(ErrorCode.TASK_FAILED, e, workerId);
    }

    private RemoteError notFound(String actorId) {
        return RemoteErrors.of(ErrorCode.NOT_FOUND, "ActorNotFound", "no actor " + actorId + " in worker "
                + workerId, workerId);
    }

    /** Sends a Result, or a FRAME_TOO_LARGE Failure if it would exceed the runtime's maximum. */
    private void answer(long requestId, Payload value) {
        Frame frame = Frame.newBuilder().setResult(Result.newBuilder().setRequestId(requestId).setValue(value)).build();
        Welcome w = welcome.get();
        int max = w == null || w.getMaxFrameBytes() == 0 ? FrameLimits.DEFAULT_MAX_FRAME_BYTES
                : (int) Math.min(Integer.MAX_VALUE, w.getMaxFrameBytes());
        if (frame.getSerializedSize() > max) {
            fail(requestId, RemoteErrors.of(ErrorCode.FRAME_TOO_LARGE, "FrameTooLarge",
                    FrameLimits.tooLarge(frame.getSerializedSize(), max), workerId));
            return;
        }
        send.accept(frame);
    }

    private void fail(long requestId, RemoteError error) {
        send.accept(Frame.newBuilder().setFailure(Failure.newBuilder().setRequestId(requestId).setError(error)).build());
    }

    /** One line on the runtime's log (an Output on stream LOG). */
    private void log(String line) {
        send.accept(Frame.newBuilder().setOutput(Output.newBuilder().setStream(Output.Stream.LOG)
                .setData(ByteString.copyFromUtf8("procwire worker " + workerId + ": " + line + "\n"))).build());
    }
}
