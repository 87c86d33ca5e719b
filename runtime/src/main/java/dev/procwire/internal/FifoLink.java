package dev.procwire.internal;

import dev.procwire.WorkerTransport;
import dev.procwire.transport.RuntimeDirectory;
import dev.procwire.transport.Transport;
import dev.procwire.transport.fifo.FifoPair;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * A worker connected by two named FIFOs in the runtime's private folder, which it opens by the
 * paths in {@code PROCWIRE_FIFO_IN} and {@code PROCWIRE_FIFO_OUT}. Its standard input is
 * {@code /dev/null} and its standard output a text stream. Opening the runtime's ends blocks
 * until the child opens its own, so it happens on another thread, bounded by a timeout that
 * names the FIFO, and ends early if the child exits. Internal.
 */
final class FifoLink implements WorkerLink {
    private final FifoPair pair;
    private final Duration timeout;
    private final Executor opener;

    FifoLink(RuntimeDirectory dir, Duration timeout, Executor opener) throws IOException {
        this.pair = FifoPair.create(dir);
        this.timeout = timeout;
        this.opener = opener;
    }

    @Override
    public void configure(ProcessBuilder builder) {
        WorkerLink.textStdio(builder, WorkerTransport.FIFO);
        builder.environment().putAll(pair.childEnvironment());
    }

    @Override
    public Transport connect(Process child, String name, int maxFrameBytes) {
        CompletableFuture<Transport> opening = CompletableFuture.supplyAsync(() -> {
            try {
                return pair.openRuntimeEnds(name, maxFrameBytes, timeout, child.toHandle());
            } catch (IOException e) {
                throw new CompletionException(e);
            }
        }, opener);
        return new PendingTransport(name, opening);
    }

    @Override
    public boolean stdoutIsText() {
        return true;
    }

    @Override
    public void close() {
        try {
            pair.close();
        } catch (IOException ignored) {
            // the folder goes with the runtime anyway
        }
    }
}
