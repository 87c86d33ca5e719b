package dev.procwire.internal;

import dev.procwire.transport.Transport;
import java.io.IOException;

/**
 * How one worker's connection to the runtime is made, one implementation per transport: set up
 * before the worker is spawned (its standard streams and environment), finished after. Each
 * instance serves one worker. Internal.
 */
interface WorkerLink extends AutoCloseable {
    /** Sets the child's standard input and output and adds what it needs to its environment. */
    void configure(ProcessBuilder builder) throws IOException;

    /**
     * The runtime's transport to {@code child}, which was just spawned from the builder; it may
     * still be opening (see {@link PendingTransport}). Called at most once.
     */
    Transport connect(Process child, String name, int maxFrameBytes) throws IOException;

    /** Whether the child's standard output is plain text to show, not the protocol stream. */
    boolean stdoutIsText();

    /** The one-time token the worker must show in its Hello, or {@code null} if none is asked. */
    default String token() {
        return null;
    }

    /**
     * For links whose protocol stream is not stdin/stdout: stdin reads {@code /dev/null}, stdout
     * is a pipe shown as the worker's output, and {@code PROCWIRE_TRANSPORT} names the transport.
     */
    static void textStdio(ProcessBuilder builder, dev.procwire.WorkerTransport transport) {
        builder.redirectInput(java.lang.ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(java.lang.ProcessBuilder.Redirect.PIPE);
        builder.environment().put(Protocol.ENV_TRANSPORT, transport.wireName());
    }

    /** Releases what {@link #configure} made if the worker was never connected. Idempotent. */
    @Override
    void close();
}
