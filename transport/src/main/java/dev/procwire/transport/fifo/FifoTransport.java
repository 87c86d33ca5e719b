package dev.procwire.transport.fifo;

import dev.procwire.transport.Transport;
import dev.procwire.transport.internal.ChannelTransport;
import dev.procwire.transport.internal.EventLoops;
import dev.procwire.transport.internal.PipeChannel;
import io.netty.channel.unix.FileDescriptor;
import java.io.Closeable;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.newsclub.net.unix.FileDescriptorCast;

/**
 * A {@link Transport} over two named FIFOs: frames are read from one and written to the other,
 * on the shared Netty epoll event loop through the same {@link PipeChannel} as anonymous pipes.
 * Either side of a connection opens it with {@link #open}; the runtime usually goes through
 * {@link FifoPair}.
 *
 * <p>Opening never blocks forever. Opening a FIFO blocks until the other side opens it too, so
 * both ends are opened at once on two short-lived threads (the peer may open its ends in any
 * order), and if the peer has not opened both within the timeout, or dies first, the opener
 * releases its own blocked opens by opening the FIFO read-write (which never blocks on Linux),
 * closes everything and fails naming the FIFO. Once open, both descriptors are switched to
 * non-blocking mode for epoll (see {@link NonBlocking}).
 *
 * <p>Thread safety and lifecycle are those of {@link Transport}. End of stream is seen when the
 * peer closes its write end or dies, as with pipes: this side holds no writer on its read FIFO.
 */
public final class FifoTransport extends ChannelTransport {
    /** How long the opener waits for its own blocked open to return once it released it. */
    private static final long RELEASE_WAIT_MILLIS = 5_000;

    private final Path readPath;
    private final Path writePath;
    final int readFd;
    final int writeFd;

    private FifoTransport(FileInputStream in, int readFd, FileOutputStream out, int writeFd, Path readPath,
                          Path writePath, String name, int maxFrameBytes) {
        // The streams own the descriptors and close them; Netty's FileDescriptor objects only
        // read and write through the numbers, as with ChildPipes.
        super(new PipeChannel(new FileDescriptor(readFd), in::close, new FileDescriptor(writeFd), out::close, name),
                EventLoops.shared(), name, maxFrameBytes);
        this.readPath = readPath;
        this.writePath = writePath;
        this.readFd = readFd;
        this.writeFd = writeFd;
    }

    /**
     * Opens {@code readPath} for reading and {@code writePath} for writing, waiting at most
     * {@code timeout} for the peer to open its ends, and returns an unstarted transport over them.
     *
     * @param peerAlive polled while waiting: once it says false, opening fails at once rather
     *     than at the timeout (pass {@code () -> true} if there is no process to watch)
     * @throws FifoTimeoutException naming the FIFO whose peer end was not opened in time
     * @throws IOException naming the path if a path is missing or not a FIFO, or the peer died
     */
    public static FifoTransport open(Path readPath, Path writePath, String name, int maxFrameBytes,
                                     Duration timeout, BooleanSupplier peerAlive) throws IOException {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(peerAlive, "peerAlive");
        Fifos.requireFifo(readPath);
        Fifos.requireFifo(writePath);
        CompletableFuture<FileInputStream> reading = opening(() -> new FileInputStream(readPath.toFile()), readPath);
        CompletableFuture<FileOutputStream> writing =
                opening(() -> new FileOutputStream(writePath.toFile(), true), writePath);
        IOException failure = null;
        try {
            await(reading, writing, readPath, writePath, timeout, peerAlive);
        } catch (IOException e) {
            failure = e;
        }
        if (failure == null) {
            FileInputStream in = reading.join();
            FileOutputStream out = writing.join();
            try {
                int readFd = FileDescriptorCast.using(in.getFD()).as(Integer.class);
                int writeFd = FileDescriptorCast.using(out.getFD()).as(Integer.class);
                NonBlocking.set(in.getFD(), readFd, "FIFO " + readPath);
                NonBlocking.set(out.getFD(), writeFd, "FIFO " + writePath);
                EventLoops.shared(); // loads Netty's native library before its FileDescriptor is used
                return new FifoTransport(in, readFd, out, writeFd, readPath, writePath, name, maxFrameBytes);
            } catch (IOException | RuntimeException e) {
                closeQuietly(in);
                closeQuietly(out);
                throw e;
            }
        }
        release(reading, readPath);
        release(writing, writePath);
        throw failure;
    }

    /** The FIFO this transport reads. */
    public Path readPath() {
        return readPath;
    }

    /** The FIFO this transport writes. */
    public Path writePath() {
        return writePath;
    }

    private interface Opener<T> {
        T open() throws IOException;
    }

    private static <T extends Closeable> CompletableFuture<T> opening(Opener<T> opener, Path path) {
        CompletableFuture<T> future = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                future.complete(opener.open());
            } catch (Throwable e) {
                future.completeExceptionally(e);
            }
        }, "procwire-fifo-open " + path.getFileName());
        t.setDaemon(true);
        t.start();
        return future;
    }

    private static void await(CompletableFuture<?> reading, CompletableFuture<?> writing, Path readPath,
                              Path writePath, Duration timeout, BooleanSupplier peerAlive) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        CompletableFuture<Void> both = CompletableFuture.allOf(reading, writing);
        while (true) {
            try {
                both.get(20, TimeUnit.MILLISECONDS);
                return;
            } catch (TimeoutException e) {
                // not yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while opening FIFO " + pending(reading, readPath, writePath));
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                Path path = reading.isCompletedExceptionally() ? readPath : writePath;
                throw new IOException("cannot open FIFO " + path + ": " + cause.getMessage(), cause);
            }
            Path waitingFor = pending(reading, readPath, writePath);
            if (!peerAlive.getAsBoolean() && !both.isDone()) {
                throw new IOException("the peer exited before opening its end of FIFO " + waitingFor);
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new FifoTimeoutException(waitingFor, "the peer did not open its end of FIFO " + waitingFor
                        + " within " + timeout.toMillis() + " ms");
            }
        }
    }

    private static Path pending(CompletableFuture<?> reading, Path readPath, Path writePath) {
        return reading.isDone() ? writePath : readPath;
    }

    /**
     * Ends an open of {@code path} that may still be blocked waiting for the peer: opening the
     * FIFO read-write makes this process its reader and writer, so the blocked open returns.
     * Then closes whatever was opened.
     */
    private static void release(CompletableFuture<? extends Closeable> opening, Path path) {
        RandomAccessFile releaser = null;
        if (!opening.isDone()) {
            try {
                releaser = new RandomAccessFile(path.toFile(), "rw"); // O_RDWR: never blocks on a FIFO
            } catch (IOException e) {
                // the FIFO is gone: nothing can be blocked on it any more... except an open in
                // progress, which ends when the peer opens; it is closed below when it does
                opening.thenAccept(FifoTransport::closeQuietly);
                return;
            }
        }
        try {
            Closeable opened = opening.get(RELEASE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            closeQuietly(opened);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            opening.thenAccept(FifoTransport::closeQuietly);
        } catch (ExecutionException | TimeoutException e) {
            opening.thenAccept(FifoTransport::closeQuietly);
        } finally {
            closeQuietly(releaser);
        }
    }

    private static void closeQuietly(Closeable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException ignored) {
            // closing a descriptor we give up on
        }
    }
}
