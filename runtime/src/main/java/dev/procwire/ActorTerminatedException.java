package dev.procwire;

/**
 * A message was sent to an actor that no longer runs: it was stopped, or it died with its worker
 * process (then the cause is the {@link WorkerDiedException} naming the worker, its pid and how
 * it ended).
 */
public class ActorTerminatedException extends ProcwireException {
    private final String actorId;

    public ActorTerminatedException(String actorId, String message, Throwable cause) {
        super(message, cause);
        this.actorId = actorId;
    }

    /** The actor's id. */
    public String actorId() {
        return actorId;
    }
}
