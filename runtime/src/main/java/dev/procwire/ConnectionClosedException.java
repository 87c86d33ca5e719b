package dev.procwire;

import dev.procwire.transport.Termination;
import java.io.EOFException;
import java.util.Objects;

/**
 * A {@link Connection} cannot go on: the other end was closed or its process died (Python's
 * {@code EOFError} in {@code recv()}, {@code BrokenPipeError} in {@code send()}), or this end was
 * closed. {@link #kind()} says which, in the transports' stable terms:
 * {@link Termination.Kind#PEER_CLOSED} (the other end is gone; every message it sent before was
 * received), {@link Termination.Kind#TRUNCATED} (it died in the middle of a message) or
 * {@link Termination.Kind#LOCAL_SHUTDOWN} (this end was closed).
 */
public class ConnectionClosedException extends EOFException {
    private final Termination.Kind kind;

    public ConnectionClosedException(Termination.Kind kind, String message, Throwable cause) {
        super(message);
        this.kind = Objects.requireNonNull(kind, "kind");
        if (cause != null) {
            initCause(cause);
        }
    }

    /** What ended the connection. */
    public Termination.Kind kind() {
        return kind;
    }

    /** Whether the other end (or its process) went away, rather than this end being closed. */
    public boolean byPeer() {
        return kind != Termination.Kind.LOCAL_SHUTDOWN;
    }
}
