package dev.procwire.transport;

import dev.procwire.proto.v1.Frame;
import java.util.concurrent.CompletableFuture;

/**
 * A framed, bidirectional connection that carries procwire {@link Frame}s between two processes.
 *
 * <p>Lifecycle: {@link #start} once, then {@link #send} any number of times; it ends by
 * {@link #shutdown()} (graceful: queued frames are flushed, the output is closed, and the
 * connection terminates when the peer closes its side), {@link #shutdownNow} (immediate), or by
 * the peer. The {@link Listener} is told of termination exactly once, with the reason.
 *
 * <p>Thread safety: every method may be called from any thread. Listener callbacks for one
 * transport never run concurrently and arrive in order. {@link #close()} is idempotent.
 */
public interface Transport extends AutoCloseable {

    /** Receives what arrives on a transport. Callbacks must not block for long. */
    interface Listener {
        /** One decoded frame, in arrival order. */
        void onFrame(Frame frame);

        /** Called exactly once, after the last {@link #onFrame}. */
        void onTerminated(Termination termination);
    }

    /**
     * Starts reading and delivering frames to {@code listener}.
     *
     * @throws IllegalStateException if already started
     */
    void start(Listener listener);

    /**
     * Queues {@code frame} for sending. The future completes once the frame was handed to the
     * operating system, or fails with a {@link TransportException} (closed, frame too large,
     * I/O error). Frames sent from one thread are written in the order sent.
     */
    CompletableFuture<Void> send(Frame frame);

    /**
     * Graceful shutdown: no new frames are accepted, queued ones are flushed, then the output is
     * closed so the peer reads end of stream. Reading goes on until the peer closes its side.
     * Idempotent.
     */
    void shutdown();

    /** Immediate shutdown: both directions are closed now; queued frames are dropped. Idempotent. */
    void shutdownNow(String reason);

    /** Completes once, when the transport has terminated, with the reason. */
    CompletableFuture<Termination> termination();

    /** A short human-readable name for errors and logs, such as {@code "pipe to worker-1"}. */
    String name();

    /** Same as {@code shutdownNow("closed")}. */
    @Override
    default void close() {
        shutdownNow("closed");
    }
}
