package dev.procwire;

/**
 * What a worker does with an {@link Actor} whose {@link Actor#receive} threw. In every case the
 * message that failed is answered (an ask with a {@link RemoteException}, a tell with a line on
 * the worker's log), and the messages after it are handled in order.
 */
public enum RestartPolicy {
    /** The actor keeps its state and goes on with the next message. The default. */
    RESUME,
    /**
     * The instance is thrown away ({@link Actor#stopped()} is called on it) and a fresh one is
     * built as at creation: no-argument constructor or registered factory, then
     * {@link Actor#init} with the creation argument. If that fails, the actor stops.
     */
    RESTART,
    /** The actor stops ({@link Actor#stopped()} is called); later messages find no actor. */
    STOP
}
