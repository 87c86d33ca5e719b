package dev.procwire.internal;

import java.io.IOException;

/**
 * How a worker process comes to be: the start-method seam (Python's {@code spawn},
 * {@code forkserver}, ...). One implementation per file. Internal.
 */
public interface WorkerStarter {
    /**
     * Starts a worker and its connection; returns at once, before the handshake
     * ({@link WorkerConnection#ready()} tells when it is done).
     */
    StartedWorker start(LaunchSpec spec) throws IOException;
}
