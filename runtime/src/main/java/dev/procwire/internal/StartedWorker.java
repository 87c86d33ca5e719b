package dev.procwire.internal;

/**
 * A worker process just started, with its connection (handshake under way) and the readers of
 * its stderr and, where that is not the protocol stream, its stdout ({@code null} otherwise).
 * Internal.
 */
public record StartedWorker(Process process, WorkerConnection connection, StderrCollector stderr,
                            StderrCollector stdout) {

    /** A worker whose stdout is its protocol stream. */
    public StartedWorker(Process process, WorkerConnection connection, StderrCollector stderr) {
        this(process, connection, stderr, null);
    }

    /** Shows this worker's text output as {@code name}'s, to {@code listener} (a warm worker handed out). */
    void assignOutput(String name, dev.procwire.OutputListener listener) {
        stderr.assign(name, listener);
        if (stdout != null) {
            stdout.assign(name, listener);
        }
    }
}
