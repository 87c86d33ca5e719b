package dev.procwire.transport.uds;

import dev.procwire.transport.RuntimeDirectory;
import dev.procwire.transport.Transport;
import dev.procwire.transport.TransportConformanceTest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The conformance suite on Unix domain sockets: a client connection from this JVM, and a Java
 * child that connects, writes and dies. The handshake timeout is long here: some tests only
 * send from the local side; {@link UnixSocketServerTest} tests it.
 */
class UnixSocketTransportConformanceTest extends TransportConformanceTest {
    private RuntimeDirectory dir;
    private UnixSocketServer server;

    private UnixSocketServer server() throws Exception {
        if (server == null) {
            dir = RuntimeDirectory.create(tmp);
            server = UnixSocketServer.bind(dir.newName("socket"), MAX, Duration.ofSeconds(120));
        }
        return server;
    }

    @Override
    protected Pair connect(int localMax, int peerMax) throws Exception {
        UnixSocketServer s = server();
        CompletableFuture<UnixSocketTransport> local =
                s.expect(ProcessHandle.current().pid(), "local socket", localMax, WAIT);
        UnixSocketTransport peer = UnixSocketTransport.connect(s.path(), "peer socket", peerMax);
        return new Pair(local.get(WAIT.toMillis(), TimeUnit.MILLISECONDS), peer);
    }

    @Override
    protected Transport connectToDyingChild(byte[] bytes, int max) throws Exception {
        UnixSocketServer s = server();
        Process child = track(DyingUnixSocketPeer.command(s.path().toString(), bytes, 0).start());
        return s.expect(child.pid(), "socket to a dying child", max, WAIT).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    protected void closeResources() throws Exception {
        if (server != null) {
            server.close();
            dir.close();
        }
    }
}
