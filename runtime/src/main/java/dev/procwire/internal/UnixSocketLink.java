package dev.procwire.internal;

import dev.procwire.WorkerTransport;
import dev.procwire.transport.Transport;
import dev.procwire.transport.uds.PeerAuthentication;
import dev.procwire.transport.uds.UnixSocketServer;
import dev.procwire.transport.uds.UnixSocketTransport;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A worker connected to the runtime's Unix socket, whose path it finds in
 * {@code PROCWIRE_SOCKET}. The server admits only the process spawned here (pid and uid from
 * SO_PEERCRED), and the worker's Hello must carry the one-time token passed in
 * {@code PROCWIRE_TOKEN} (checked by {@link WorkerConnection}). Its standard input is
 * {@code /dev/null} and its standard output a text stream. Internal.
 */
final class UnixSocketLink implements WorkerLink {
    private final UnixSocketServer server;
    private final Duration timeout;
    private final String token = PeerAuthentication.newToken();

    UnixSocketLink(UnixSocketServer server, Duration timeout) {
        this.server = server;
        this.timeout = timeout;
    }

    @Override
    public void configure(ProcessBuilder builder) {
        WorkerLink.textStdio(builder, WorkerTransport.UNIX_SOCKET);
        builder.environment().put(Protocol.ENV_SOCKET, server.path().toString());
        builder.environment().put(Protocol.ENV_TOKEN, token);
    }

    @Override
    public Transport connect(Process child, String name, int maxFrameBytes) {
        CompletableFuture<UnixSocketTransport> expected = server.expect(child.pid(), name, maxFrameBytes, timeout);
        // A child that dies before connecting fails its start now, not at the timeout.
        child.onExit().thenRun(() -> expected.completeExceptionally(new IOException("the worker (pid "
                + child.pid() + ") exited with " + child.exitValue() + " before it connected to " + server.path())));
        return new PendingTransport(name, expected);
    }

    @Override
    public boolean stdoutIsText() {
        return true;
    }

    @Override
    public String token() {
        return token;
    }

    @Override
    public void close() {
        // nothing of this worker's own to release: an unmet expectation times out by itself
    }
}
