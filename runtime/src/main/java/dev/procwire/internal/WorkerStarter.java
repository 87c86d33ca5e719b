package dev.procwire.internal;

import java.io.IOException;

/**
 * How a worker process comes to be: the start-method seam (Python's {@code spawn},
 * {@code forkserver}, ...). One implementation per file. Internal.
 */
public interface WorkerStarter extends AutoCloseable {
    /**
     * Starts a worker and its connection; returns at once, before the handshake
     * ({@link WorkerConnection#ready()} tells when it is done).
     */
    StartedWorker start(LaunchSpec spec) throws IOException;

    /**
     * Whether this starter makes workers like {@code spec}; a runtime starts the others with
     * {@code spawn}. By default, every worker.
     */
    default boolean serves(LaunchSpec spec) {
        return true;
    }

    /** Releases what the starter keeps for all its workers (folders, sockets, servers). Idempotent. */
    @Override
    default void close() {}
}
