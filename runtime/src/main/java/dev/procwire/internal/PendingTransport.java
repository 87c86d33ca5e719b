package dev.procwire.internal;

import dev.procwire.proto.v1.Frame;
import dev.procwire.transport.Termination;
import dev.procwire.transport.Transport;
import dev.procwire.transport.TransportException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A {@link Transport} whose connection is still being made: a FIFO pair the child has not opened
 * yet, or a Unix socket it has not connected to. It stands in for the real transport from the
 * moment the child is spawned, so a worker's connection exists before it is open.
 *
 * <p>Frames sent before the real transport arrives are queued and sent, in order, once it does;
 * {@link #start} is passed on then. If opening fails, or this side shuts down first, the
 * listener is told once, with the reason, and a transport that arrives later is closed.
 * Thread safe, as {@link Transport} requires. Internal.
 */
final class PendingTransport implements Transport {
    private record Queued(Frame frame, CompletableFuture<Void> sent) {}

    private final String name;
    private final CompletableFuture<? extends Transport> opening;
    private final CompletableFuture<Termination> termination = new CompletableFuture<>();
    private final List<Queued> queue = new ArrayList<>();
    private Listener listener;
    private Transport open;
    private Termination ended;
    private boolean graceful;

    PendingTransport(String name, CompletableFuture<? extends Transport> opening) {
        this.name = name;
        this.opening = opening;
    }

    @Override
    public void start(Listener l) {
        synchronized (this) {
            if (listener != null) {
                throw new IllegalStateException(name + " was already started");
            }
            listener = l;
        }
        opening.whenComplete((t, e) -> {
            if (e != null) {
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                end(new Termination(Termination.Kind.IO_ERROR, name + " could not be opened: " + cause.getMessage(),
                        cause));
            } else {
                opened(t);
            }
        });
    }

    private void opened(Transport t) {
        List<Queued> flush;
        boolean shutDown;
        synchronized (this) {
            if (ended != null) {
                t.shutdownNow(ended.message());
                return;
            }
            open = t;
            flush = new ArrayList<>(queue);
            queue.clear();
            shutDown = graceful;
        }
        t.termination().whenComplete((term, e) -> termination.complete(term));
        t.start(listener);
        for (Queued q : flush) {
            t.send(q.frame()).whenComplete((v, e) -> {
                if (e != null) {
                    q.sent().completeExceptionally(e);
                } else {
                    q.sent().complete(null);
                }
            });
        }
        if (shutDown) {
            t.shutdown();
        }
    }

    private void end(Termination why) {
        List<Queued> dropped;
        Listener l;
        synchronized (this) {
            if (ended != null || open != null) {
                return;
            }
            ended = why;
            dropped = new ArrayList<>(queue);
            queue.clear();
            l = listener;
        }
        for (Queued q : dropped) {
            q.sent().completeExceptionally(new TransportException(why.kind(), name + " is closed: " + why.message()));
        }
        if (l != null) {
            l.onTerminated(why);
        }
        termination.complete(why);
    }

    @Override
    public CompletableFuture<Void> send(Frame frame) {
        Transport t;
        synchronized (this) {
            t = open;
            if (t == null) {
                if (ended != null || graceful) {
                    return CompletableFuture.failedFuture(new TransportException(
                            Termination.Kind.LOCAL_SHUTDOWN, name + " is closed"));
                }
                CompletableFuture<Void> sent = new CompletableFuture<>();
                queue.add(new Queued(frame, sent));
                return sent;
            }
        }
        return t.send(frame);
    }

    @Override
    public void shutdown() {
        Transport t;
        synchronized (this) {
            t = open;
            graceful = true;
        }
        if (t != null) {
            t.shutdown();
        }
    }

    @Override
    public void shutdownNow(String reason) {
        Transport t;
        synchronized (this) {
            t = open;
        }
        if (t != null) {
            t.shutdownNow(reason);
            return;
        }
        opening.cancel(false);
        end(new Termination(Termination.Kind.LOCAL_SHUTDOWN, reason, null));
        synchronized (this) {
            t = open; // it may have arrived while we ended
        }
        if (t != null) {
            t.shutdownNow(reason);
        }
    }

    @Override
    public CompletableFuture<Termination> termination() {
        return termination;
    }

    @Override
    public String name() {
        return name;
    }
}
