package dev.procwire.internal;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketCredentials;
import org.newsclub.net.unix.FileDescriptorCast;

/**
 * A runtime's connection to one running fork server: it asks for workers and receives each with
 * its pipe ends ({@code SCM_RIGHTS}), and hears of their exits. Connecting checks that the
 * server runs as this user (kernel peer credentials) and that it greets in time.
 *
 * <p>Thread safety: any thread may {@link #request}; one daemon thread reads what the server
 * sends. {@link #close()} is idempotent: it stops new requests, and the connection stays open
 * until the workers handed out through it have exited (so their exit statuses still arrive).
 * If the connection breaks, waiting requests fail with {@link ForkServerException.Kind#DIED} and
 * the workers handed out learn of their end from the system ({@link ForkedProcess#serverLost}).
 */
final class ForkServerClient {
    /** A worker handed over: its process and the runtime's ends of its stdin, stdout and stderr. */
    /**
     * A worker handed over. Its pipe ends come a little after the rest: the reader duplicates
     * them while the requesting thread wakes up and reads the Hello.
     */
    record Handout(ForkedProcess process, String workerId, byte[] hello, CompletableFuture<FileDescriptor[]> ends) {
        /** The worker's stdin, stdout and stderr ends, this process's own. */
        FileDescriptor[] awaitEnds() throws IOException {
            try {
                return ends.join();
            } catch (java.util.concurrent.CompletionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            }
        }
    }

    private final AFUNIXSocket socket;
    private final Path path;
    private final long serverPid;
    private final DataInputStream in;
    private final OutputStream out;
    private final Map<Long, CompletableFuture<Handout>> pending = new ConcurrentHashMap<>();
    private final Map<Long, ForkedProcess> processes = new ConcurrentHashMap<>();
    private volatile boolean broken;
    private volatile String brokenBy;
    private volatile boolean closing;

    private ForkServerClient(AFUNIXSocket socket, Path path, long serverPid) throws IOException {
        this.socket = socket;
        this.path = path;
        this.serverPid = serverPid;
        this.in = new DataInputStream(socket.getInputStream()); // unbuffered: one message at a time
        this.out = socket.getOutputStream();
        Thread reader = new Thread(this::read, "procwire-forkserver-" + serverPid);
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Connects to the server listening at {@code path}.
     *
     * @throws ForkServerException of kind DIED if nothing listens there (the caller starts a
     *     server), REFUSED if the server runs as another user or refuses us, HUNG if it does not
     *     greet within {@code timeout}
     */
    static ForkServerClient connect(Path path, int uid, Duration timeout) throws ForkServerException {
        AFUNIXSocket socket;
        try {
            socket = AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(path));
        } catch (IOException e) {
            throw new ForkServerException(ForkServerException.Kind.DIED, "no fork server listens at " + path + ": "
                    + e.getMessage(), e);
        }
        try {
            AFUNIXSocketCredentials peer = socket.getPeerCredentials();
            if (peer.getUid() != uid) {
                throw new ForkServerException(ForkServerException.Kind.REFUSED, "the process listening at " + path
                        + " (pid " + peer.getPid() + ") runs as uid " + peer.getUid() + ", not as this user (uid " + uid
                        + "): another user's process has replaced the fork server; refusing it");
            }
            socket.setAncillaryReceiveBufferSize(256);
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())));
            ForkServerMessages.Message greeting;
            try {
                greeting = ForkServerMessages.read(new DataInputStream(socket.getInputStream()));
            } catch (SocketTimeoutException e) {
                throw new ForkServerException(ForkServerException.Kind.HUNG, "the fork server (pid " + peer.getPid()
                        + ") at " + path + " did not greet within " + timeout.toMillis() + " ms: it hangs", e,
                        peer.getPid());
            } catch (EOFException e) {
                throw new ForkServerException(ForkServerException.Kind.DIED, "the fork server (pid " + peer.getPid()
                        + ") at " + path + " closed the connection before greeting: it is exiting or died", e);
            }
            if (greeting.type() == ForkServerMessages.REFUSED) {
                throw new ForkServerException(ForkServerException.Kind.REFUSED, "the fork server (pid " + peer.getPid()
                        + ") at " + path + " refused this runtime: " + ForkServerMessages.readString(greeting.fields()));
            }
            if (greeting.type() != ForkServerMessages.GREETING) {
                throw new ForkServerException(ForkServerException.Kind.REFUSED, "the process (pid " + peer.getPid()
                        + ") at " + path + " does not speak the fork server protocol: it sent message type "
                        + greeting.type() + " first");
            }
            socket.setSoTimeout(0);
            return new ForkServerClient(socket, path, peer.getPid());
        } catch (ForkServerException e) {
            closeQuietly(socket);
            throw e;
        } catch (IOException e) {
            closeQuietly(socket);
            throw new ForkServerException(ForkServerException.Kind.DIED, "the fork server at " + path
                    + " broke the connection while greeting: " + e.getMessage(), e);
        }
    }

    long serverPid() {
        return serverPid;
    }

    /** Whether requests can be made: not closed, not broken. */
    boolean isOpen() {
        return !broken && !closing;
    }

    /**
     * Asks for a worker and waits for it.
     *
     * @throws ForkServerException DIED if the connection breaks, HUNG if there is no answer
     *     within {@code timeout} (naming the server's pid and the timeout), FAILED if the server
     *     could not start one (with its reason)
     */
    Handout request(ForkServerMessages.Request request, Duration timeout) throws IOException {
        CompletableFuture<Handout> answer = new CompletableFuture<>();
        pending.put(request.id(), answer);
        try {
            if (broken) {
                throw died(null);
            }
            byte[] message = ForkServerMessages.request(request);
            synchronized (out) {
                out.write(message);
            }
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new ForkServerException(ForkServerException.Kind.HUNG, "the fork server (pid " + serverPid + ") at "
                    + path + " did not answer a request for a worker within " + timeout.toMillis() + " ms: it hangs", e,
                    serverPid);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("fork server request failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the fork server (pid " + serverPid + ")");
        } catch (IOException e) {
            if (e instanceof ForkServerException) {
                throw e;
            }
            throw died(e);
        } finally {
            // an answer arriving after this point is closed by the reader
            pending.remove(request.id());
        }
    }

    private ForkServerException died(Throwable cause) {
        String why = brokenBy != null ? brokenBy : cause != null ? cause.getMessage() : "connection closed";
        return new ForkServerException(ForkServerException.Kind.DIED, "the fork server (pid " + serverPid + ") at "
                + path + " is gone: " + why, cause);
    }

    private void read() {
        try {
            while (true) {
                ForkServerMessages.Message m = ForkServerMessages.read(in);
                switch (m.type()) {
                    case ForkServerMessages.WORKER -> worker(ForkServerMessages.readWorker(m.fields()));
                    case ForkServerMessages.FAILED -> {
                        long id = m.fields().readLong();
                        String why = ForkServerMessages.readString(m.fields());
                        CompletableFuture<Handout> f = pending.remove(id);
                        if (f != null) {
                            f.completeExceptionally(new ForkServerException(ForkServerException.Kind.FAILED,
                                    "the fork server (pid " + serverPid + ") could not start a worker: " + why));
                        }
                    }
                    case ForkServerMessages.EXIT -> {
                        long pid = m.fields().readLong();
                        int status = m.fields().readInt();
                        ForkedProcess p = processes.remove(pid);
                        if (p != null) {
                            p.exited(status);
                        }
                        closeIfDone();
                    }
                    default -> throw new IOException("unexpected message type " + m.type() + " from the fork server");
                }
            }
        } catch (IOException | RuntimeException e) {
            brokenBy = e instanceof EOFException ? "its connection ended (it exited or was killed)" : e.toString();
        } finally {
            broken = true;
            closeQuietly(socket);
            for (CompletableFuture<Handout> f : pending.values()) {
                f.completeExceptionally(died(null));
            }
            for (ForkedProcess p : processes.values()) {
                p.serverLost();
            }
            processes.clear();
        }
    }

    private void worker(ForkServerMessages.Worker w) throws IOException {
        FileDescriptor[] received = socket.getReceivedFileDescriptors();
        CompletableFuture<Handout> f = pending.remove(w.requestId());
        if (received == null || received.length != ForkServerMessages.WORKER_DESCRIPTORS || f == null) {
            closeAll(received); // unwanted (the request timed out) or malformed: the worker sees its input end
            if (f != null) {
                f.completeExceptionally(new ForkServerException(ForkServerException.Kind.FAILED, "the fork server (pid "
                        + serverPid + ") sent worker " + w.pid() + " with " + (received == null ? 0 : received.length)
                        + " descriptors, not " + ForkServerMessages.WORKER_DESCRIPTORS));
            }
            return;
        }
        ForkedProcess process = new ForkedProcess(w.pid());
        processes.put(w.pid(), process); // before the answer: its exit report may come next
        CompletableFuture<FileDescriptor[]> ends = new CompletableFuture<>();
        f.complete(new Handout(process, w.workerId(), w.hello(), ends));
        FileDescriptor[] own = new FileDescriptor[received.length];
        try {
            for (int i = 0; i < received.length; i++) {
                // A duplicate is close-on-exec and not tracked by junixsocket, which closes the
                // descriptors it received when the socket closes.
                own[i] = FileDescriptorCast.duplicating(received[i]).getFileDescriptor();
            }
            ends.complete(own);
            process.watch();
        } catch (IOException | RuntimeException e) {
            closeAll(own);
            ends.completeExceptionally(new IOException("cannot take over the pipe ends of worker " + w.pid()
                    + " from the fork server: " + e.getMessage(), e));
        } finally {
            closeAll(received);
        }
    }

    /** Closes each of {@code fds} that is there; null is none. */
    static void closeAll(FileDescriptor[] fds) {
        if (fds != null) {
            for (FileDescriptor fd : fds) {
                if (fd != null) {
                    closeQuietly(fd);
                }
            }
        }
    }

    /**
     * Ends the session: no new requests; the connection closes now if no worker handed out is
     * running, else when the last one has exited. Idempotent.
     */
    void close() {
        closing = true;
        closeIfDone();
    }

    /** Ends the session now, whatever runs (a server that hangs is being replaced). */
    void closeNow() {
        closing = true;
        closeQuietly(socket);
    }

    private void closeIfDone() {
        if (closing && processes.isEmpty() && pending.isEmpty()) {
            closeQuietly(socket);
        }
    }

    private static void closeQuietly(AFUNIXSocket s) {
        try {
            s.shutdownInput(); // wakes the reader, which then sees the end
        } catch (IOException ignored) {
            // not connected any more
        }
        try {
            s.close();
        } catch (IOException ignored) {
            // closed already
        }
    }

    static void closeQuietly(FileDescriptor fd) {
        try {
            if (fd.valid()) {
                new FileInputStream(fd).close();
            }
        } catch (IOException ignored) {
            // nothing more to do with it
        }
    }
}
