package dev.procwire.transport;

import java.io.IOException;

/** A transport could not do what was asked; {@link #kind()} says why in a stable form. */
public class TransportException extends IOException {
    private final Termination.Kind kind;

    public TransportException(Termination.Kind kind, String message) {
        this(kind, message, null);
    }

    public TransportException(Termination.Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Termination.Kind kind() {
        return kind;
    }
}
