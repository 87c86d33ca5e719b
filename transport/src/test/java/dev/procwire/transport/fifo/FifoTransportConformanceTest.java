package dev.procwire.transport.fifo;

import dev.procwire.transport.RuntimeDirectory;
import dev.procwire.transport.Transport;
import dev.procwire.transport.TransportConformanceTest;
import java.lang.ProcessBuilder.Redirect;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The conformance suite on named FIFOs: both ends opened in this JVM, and {@code sh} children. */
class FifoTransportConformanceTest extends TransportConformanceTest {
    private RuntimeDirectory dir;

    private RuntimeDirectory dir() throws Exception {
        if (dir == null) {
            dir = RuntimeDirectory.create(tmp);
        }
        return dir;
    }

    @Override
    protected Pair connect(int localMax, int peerMax) throws Exception {
        FifoPair fifos = FifoPair.create(dir());
        CompletableFuture<FifoTransport> peer = CompletableFuture.supplyAsync(() -> {
            try {
                return fifos.openChildEnds("peer fifo", peerMax, WAIT);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        FifoTransport local = fifos.openRuntimeEnds("local fifo", localMax, WAIT, ProcessHandle.current());
        return new Pair(local, peer.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
    }

    @Override
    protected Transport connectToDyingChild(byte[] bytes, int max) throws Exception {
        FifoPair fifos = FifoPair.create(dir());
        Process child = track(new ProcessBuilder("sh", "-c",
                "exec 3<\"$0\"; printf '" + printfFormat(bytes) + "' > \"$1\"; kill -9 $$",
                fifos.toChild().toString(), fifos.fromChild().toString())
                .redirectError(Redirect.INHERIT)
                .start());
        return fifos.openRuntimeEnds("fifo to a dying child", max, WAIT, child.toHandle());
    }

    @Override
    protected void closeResources() throws Exception {
        if (dir != null) {
            dir.close();
        }
    }
}
