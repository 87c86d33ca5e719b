package dev.procwire;

/**
 * A stateful object that lives in a worker process and handles messages one at a time, in the
 * order they arrive: the worker side of an {@link ActorRef}.
 *
 * <p>An actor is named, not sent, as a {@link Task} is: a top-level or static nested class with a
 * no-argument constructor (which may be private), or a factory registered by name with
 * {@link Actors#register}. The worker builds it, calls {@link #init} with the argument given at
 * creation, and then calls {@link #receive} for each message, never concurrently, so its fields
 * need no locks. An exception thrown by {@code receive} answers that message's ask with a
 * {@link RemoteException} ({@code TASK_FAILED}, with the remote stack trace); what happens to the
 * actor then is its {@link #restartPolicy()}: by default it keeps its state and goes on.
 *
 * @param <M> the message type
 * @param <R> the reply type ({@link Void} for none)
 */
@FunctionalInterface
public interface Actor<M, R> {
    /** Handles one message; the return value answers an ask and is dropped for a tell. */
    R receive(M message) throws Exception;

    /**
     * Called once after construction, before the first message, with the argument given when
     * the actor was created ({@code null} if none). Also called on the fresh instance a
     * {@link RestartPolicy#RESTART} builds. An exception here fails the creation.
     */
    default void init(Object argument) throws Exception {
    }

    /**
     * Called once when the actor stops: after the messages sent before a stop, when
     * {@link RestartPolicy#STOP} ends it, and on an instance {@link RestartPolicy#RESTART} throws
     * away. Not called when its worker process dies. An exception here fails the stop's future;
     * the actor is removed anyway.
     */
    default void stopped() throws Exception {
    }

    /** What happens to this actor after {@link #receive} threw; read at that moment. */
    default RestartPolicy restartPolicy() {
        return RestartPolicy.RESUME;
    }
}
