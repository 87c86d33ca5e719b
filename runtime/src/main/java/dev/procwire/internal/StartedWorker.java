package dev.procwire.internal;

/**
 * A worker process just started, with its connection (handshake under way) and its stderr reader.
 * Internal.
 */
public record StartedWorker(Process process, WorkerConnection connection, StderrCollector stderr) {
}
