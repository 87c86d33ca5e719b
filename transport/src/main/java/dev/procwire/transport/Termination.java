package dev.procwire.transport;

import java.util.Objects;

/**
 * Why a {@link Transport} ended: an immutable value with a stable {@link Kind}.
 *
 * @param kind what ended it
 * @param message a human-readable account naming the transport
 * @param cause the exception behind it, or {@code null}
 */
public record Termination(Kind kind, String message, Throwable cause) {

    /** Stable reasons for termination. */
    public enum Kind {
        /** This side shut the transport down. */
        LOCAL_SHUTDOWN,
        /** The peer closed its output at a frame boundary (clean end of stream). */
        PEER_CLOSED,
        /** The stream ended in the middle of a frame: the peer died or broke off while writing. */
        TRUNCATED,
        /** The peer sent bytes that are not a valid frame. */
        PROTOCOL_ERROR,
        /** The peer declared a frame larger than the maximum; it was refused unread. */
        FRAME_TOO_LARGE,
        /** Reading or writing failed in the operating system. */
        IO_ERROR
    }

    public Termination {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(message, "message");
    }

    /** True if the end was asked for by this side or was a clean end of stream. */
    public boolean isClean() {
        return kind == Kind.LOCAL_SHUTDOWN || kind == Kind.PEER_CLOSED;
    }

    @Override
    public String toString() {
        return kind + ": " + message;
    }
}
