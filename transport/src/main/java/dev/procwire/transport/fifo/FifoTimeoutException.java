package dev.procwire.transport.fifo;

import java.io.InterruptedIOException;
import java.nio.file.Path;

/**
 * The peer did not open its end of a named FIFO in time; {@link #path()} names the FIFO.
 * An {@link InterruptedIOException}, as a timed-out socket operation is.
 */
public final class FifoTimeoutException extends InterruptedIOException {
    private final transient Path path;

    public FifoTimeoutException(Path path, String message) {
        super(message);
        this.path = path;
    }

    /** The FIFO whose peer end was not opened. */
    public Path path() {
        return path;
    }
}
