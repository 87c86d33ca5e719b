package dev.procwire.transport.fifo;

import dev.procwire.transport.internal.FdEndpoint;
import java.io.Closeable;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.newsclub.net.unix.FileDescriptorCast;

/**
 * Opens one end of a named FIFO, for reading or for writing, with a timeout, as a non-blocking
 * {@link FdEndpoint}: for a FIFO that unrelated processes (a shell, {@code cat}) use, where
 * {@link FifoTransport} connects two procwire peers over a pair.
 *
 * <p>Opening a FIFO blocks until another process opens the other end. Here the open runs on a
 * short-lived thread; if no peer comes within the timeout, this process releases its own blocked
 * open by opening the FIFO read-write (which never blocks on Linux), closes what that gave and
 * fails naming the FIFO. No thread and no descriptor is left behind. Stateless; thread safe.
 */
public final class FifoEnd {
    /** How long to wait for a released open to return. */
    private static final long RELEASE_WAIT_MILLIS = 5_000;
    private static final int S_IFMT = 0170000;
    private static final int S_IFIFO = 0010000;

    private FifoEnd() {}

    /**
     * Opens {@code path} for reading, waiting at most {@code timeout} for a writer to open it.
     *
     * @throws FifoTimeoutException naming the FIFO if no writer opened it in time
     * @throws IOException naming the path if it is missing or not a FIFO, or cannot be opened
     */
    public static FdEndpoint openForReading(Path path, Duration timeout) throws IOException {
        return open(path, false, timeout);
    }

    /**
     * Opens {@code path} for writing, waiting at most {@code timeout} for a reader to open it.
     *
     * @throws FifoTimeoutException naming the FIFO if no reader opened it in time
     * @throws IOException naming the path if it is missing or not a FIFO, or cannot be opened
     */
    public static FdEndpoint openForWriting(Path path, Duration timeout) throws IOException {
        return open(path, true, timeout);
    }

    private static FdEndpoint open(Path path, boolean writing, Duration timeout) throws IOException {
        Fifos.requireFifo(path);
        String what = "FIFO " + path + (writing ? " (writing)" : " (reading)");
        CompletableFuture<Closeable> opening = new CompletableFuture<>();
        Thread opener = new Thread(() -> {
            try {
                // FileOutputStream opens O_WRONLY (with O_CREAT, harmless on an existing FIFO)
                opening.complete(writing ? new FileOutputStream(path.toFile(), true) : new FileInputStream(path.toFile()));
            } catch (Throwable e) {
                opening.completeExceptionally(e);
            }
        }, "procwire-fifo-open " + path.getFileName());
        opener.setDaemon(true);
        opener.start();
        Closeable stream;
        try {
            stream = opening.get(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            release(path, opening);
            throw new FifoTimeoutException(path, "no process opened FIFO " + path + " for "
                    + (writing ? "reading" : "writing") + " within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            release(path, opening);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while opening " + what);
        } catch (ExecutionException e) {
            throw new IOException("cannot open " + what + ": " + e.getCause().getMessage(), e.getCause());
        }
        try {
            FileDescriptor fd = writing ? ((FileOutputStream) stream).getFD() : ((FileInputStream) stream).getFD();
            int number = FileDescriptorCast.using(fd).as(Integer.class);
            // the open follows the descriptor's link to what was really opened
            int mode = (Integer) Files.getAttribute(Path.of("/proc/self/fd/" + number), "unix:mode");
            if ((mode & S_IFMT) != S_IFIFO) {
                throw new IOException(path + " is no longer a FIFO: it was replaced while being opened");
            }
            NonBlocking.set(fd, number, what);
            return FdEndpoint.register(fd, stream::close, what);
        } catch (IOException | RuntimeException e) {
            stream.close();
            throw e;
        }
    }

    /**
     * Ends an open of {@code path} that may still be blocked waiting for a peer, by becoming
     * that peer for a moment (a read-write open), then closes whatever was opened.
     */
    private static void release(Path path, CompletableFuture<Closeable> opening) {
        RandomAccessFile releaser = null;
        try {
            if (!opening.isDone()) {
                releaser = new RandomAccessFile(path.toFile(), "rw");
            }
            opening.get(RELEASE_WAIT_MILLIS, TimeUnit.MILLISECONDS).close();
        } catch (IOException | ExecutionException | TimeoutException e) {
            opening.thenAccept(FifoEnd::closeQuietly); // whenever it returns, if ever
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            opening.thenAccept(FifoEnd::closeQuietly);
        } finally {
            if (releaser != null) {
                closeQuietly(releaser);
            }
        }
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // a descriptor given up on
        }
    }
}
