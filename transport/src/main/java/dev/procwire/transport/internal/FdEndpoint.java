package dev.procwire.transport.internal;

import com.google.protobuf.MessageLite;
import dev.procwire.transport.Termination;
import dev.procwire.transport.TransportException;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.Errors;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.newsclub.net.unix.FileDescriptorCast;

/**
 * One non-blocking file descriptor (a pipe or FIFO end, a socket) read and written with
 * <em>blocking</em> calls that have deadlines, for APIs that block by nature (a
 * {@code multiprocessing.Pipe} connection, a named pipe read line by line). The waiting is done by
 * the shared Netty epoll loop: the descriptor is registered there edge-triggered, and each
 * readiness event wakes the threads waiting on it. No thread is ever parked inside a system
 * call, so {@link #close()} from any thread ends every wait at once, and a deadline is honoured
 * to the millisecond.
 *
 * <p>Why not a {@link dev.procwire.transport.Transport}: a transport reads eagerly on the event
 * loop, and a pipe channel cannot stop reading, so a receiver that does not keep up would buffer
 * without bound in memory. Here bytes stay in the kernel until a caller asks for them: a full pipe
 * or socket blocks the sender, as it does in Python.
 *
 * <p>The descriptor must already be non-blocking ({@code O_NONBLOCK}); {@link #register} checks.
 * A missed readiness event (should the kernel skip an edge) costs at most
 * {@value #RECHECK_MILLIS} ms, never a hang: every wait retries the call at least that often.
 *
 * <p>Thread safety: one thread may read while another writes; concurrent readers (or writers)
 * must be serialised by the caller, which also keeps their bytes from interleaving.
 * {@link #close()} may be called from any thread and is idempotent. Internal.
 */
public final class FdEndpoint implements AutoCloseable {
    /** No deadline: wait until the call can go on or the endpoint is closed. */
    public static final long NO_DEADLINE = Long.MIN_VALUE;
    static final long RECHECK_MILLIS = 1_000;
    private static final int CHUNK_BYTES = 64 * 1024;
    private static final int O_NONBLOCK = 04000;
    private static final long DEREGISTER_WAIT_MILLIS = 5_000;

    /** Whoever really owns the descriptor, and closes it once. */
    @FunctionalInterface
    public interface Owner {
        void close() throws IOException;
    }

    private final java.io.FileDescriptor javaFd;
    private final FileDescriptor fd;
    private final Owner owner;
    private final String name;
    private final IoEventLoop loop;
    /** Shared by system calls in progress, exclusive while the descriptor is closed. */
    private final ReentrantReadWriteLock inUse = new ReentrantReadWriteLock();
    private final Object signal = new Object();
    private long events; // guarded by signal
    private volatile boolean closed;
    private IoRegistration registration;
    private ByteBuffer readChunk;
    private ByteBuffer writeChunk;

    private FdEndpoint(java.io.FileDescriptor javaFd, int number, Owner owner, String name, IoEventLoop loop) {
        this.javaFd = javaFd;
        this.fd = new FileDescriptor(number);
        this.owner = owner;
        this.name = name;
        this.loop = loop;
    }

    /**
     * Watches {@code fd}, which {@code owner} closes, on the shared event loop. On failure the
     * descriptor is left open: it still belongs to the caller.
     *
     * @param name for errors, such as {@code "pipe-1 (first end)"}
     * @throws IOException naming the endpoint if the descriptor is not non-blocking or cannot be
     *     watched
     */
    public static FdEndpoint register(java.io.FileDescriptor fd, Owner owner, String name) throws IOException {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(name, "name");
        int number = FileDescriptorCast.using(fd).as(Integer.class);
        if (!isNonBlocking(number)) {
            throw new IOException(name + ": descriptor " + number + " is in blocking mode; it must be non-blocking");
        }
        IoEventLoop loop = EventLoops.shared().next(); // also loads Netty's native library
        FdEndpoint endpoint = new FdEndpoint(fd, number, owner, name, loop);
        Throwable failure;
        try {
            Future<IoRegistration> registered = loop.register(endpoint.new Handle()).awaitUninterruptibly();
            failure = registered.cause();
            if (failure == null) {
                endpoint.registration = registered.getNow();
                // Edge-triggered: one event per change, so a descriptor nobody reads costs nothing.
                failure = loop.submit(() -> endpoint.registration.submit(
                        EpollIoOps.EPOLLIN.with(EpollIoOps.EPOLLOUT).with(EpollIoOps.EPOLLET)))
                        .awaitUninterruptibly().cause();
            }
        } catch (RejectedExecutionException e) { // the loop is shut down: the JVM is exiting
            failure = e;
        }
        if (failure != null) {
            if (endpoint.registration != null) {
                endpoint.registration.cancel();
            }
            throw new IOException(name + ": cannot watch descriptor " + number + " on the event loop: " + failure,
                    failure);
        }
        return endpoint;
    }

    /** Whether descriptor {@code number} of this process has {@code O_NONBLOCK}. */
    public static boolean isNonBlocking(int number) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + number))) {
            if (line.startsWith("flags:")) {
                return (Integer.parseInt(line.substring("flags:".length()).trim(), 8) & O_NONBLOCK) != 0;
            }
        }
        throw new IOException("no flags line in /proc/self/fdinfo/" + number);
    }

    /** The name given at registration. */
    public String name() {
        return name;
    }

    /** The descriptor, for passing it to another process; it stays owned by this endpoint. */
    public java.io.FileDescriptor fileDescriptor() {
        return javaFd;
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Reads at most {@code len} (&gt; 0) bytes into {@code b} from {@code off}, waiting until at
     * least one byte is there, the stream ends, or {@code deadline} ({@link System#nanoTime()}
     * time, or {@link #NO_DEADLINE}) passes.
     *
     * @return the number of bytes read; {@code -1} at end of stream (also when the peer is gone
     *     with a reset); {@code 0} if the deadline passed first
     * @throws TransportException of kind LOCAL_SHUTDOWN once this endpoint is closed
     * @throws InterruptedIOException if the thread is interrupted while waiting (its interrupt
     *     status is kept); nothing was read then
     */
    public int read(byte[] b, int off, int len, long deadline) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            throw new IllegalArgumentException("nothing to read into");
        }
        while (true) {
            long seen = events();
            int n = readNow(b, off, len);
            if (n != 0) {
                return n;
            }
            if (!await(seen, deadline, 0)) {
                return 0;
            }
        }
    }

    /**
     * Writes all {@code len} bytes of {@code b} from {@code off}, waiting while the pipe or socket
     * is full. A write of at most {@code PIPE_BUF} (4096) bytes to a pipe or FIFO is one atomic
     * system call.
     *
     * @throws TransportException of kind PEER_CLOSED if the reading side is gone (EPIPE, reset),
     *     or LOCAL_SHUTDOWN once this endpoint is closed
     * @throws InterruptedIOException if the thread is interrupted while waiting; its
     *     {@code bytesTransferred} says how many bytes were written before
     */
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        int written = 0;
        while (written < len) {
            long seen = events();
            int n = writeNow(b, off + written, len - written);
            if (n > 0) {
                written += n;
            } else {
                await(seen, NO_DEADLINE, written);
            }
        }
    }

    /**
     * Writes {@code message} with its varint length prefix (as {@code writeDelimitedTo} does), in
     * one {@link #write}; the caller checks its size first. Errors as for {@link #write}.
     */
    public void writeDelimited(MessageLite message) throws IOException {
        byte[] bytes = dev.procwire.transport.Frames.delimited(message);
        write(bytes, 0, bytes.length);
    }

    private int readNow(byte[] b, int off, int len) throws IOException {
        inUse.readLock().lock();
        try {
            checkOpen();
            if (readChunk == null) {
                readChunk = ByteBuffer.allocateDirect(CHUNK_BYTES);
            }
            int n = fd.read(readChunk, 0, Math.min(len, CHUNK_BYTES));
            if (n > 0) {
                readChunk.get(0, b, off, n);
            }
            return n;
        } catch (Errors.NativeIoException e) {
            if (e.expectedErr() == Errors.ERRNO_ECONNRESET_NEGATIVE) {
                return -1; // the peer died with bytes of ours unread: it is gone, like end of stream
            }
            throw new IOException(name + ": read failed: " + e.getMessage(), e);
        } finally {
            inUse.readLock().unlock();
        }
    }

    private int writeNow(byte[] b, int off, int len) throws IOException {
        inUse.readLock().lock();
        try {
            checkOpen();
            if (writeChunk == null) {
                writeChunk = ByteBuffer.allocateDirect(CHUNK_BYTES);
            }
            int m = Math.min(len, CHUNK_BYTES);
            writeChunk.put(0, b, off, m);
            return fd.write(writeChunk, 0, m);
        } catch (Errors.NativeIoException e) {
            if (e.expectedErr() == Errors.ERRNO_EPIPE_NEGATIVE || e.expectedErr() == Errors.ERRNO_ECONNRESET_NEGATIVE) {
                throw new TransportException(Termination.Kind.PEER_CLOSED,
                        name + ": the other end was closed (its process may have exited)", e);
            }
            throw new IOException(name + ": write failed: " + e.getMessage(), e);
        } finally {
            inUse.readLock().unlock();
        }
    }

    private long events() {
        synchronized (signal) {
            return events;
        }
    }

    /**
     * Waits for an event after {@code seen}, at most until {@code deadline} and at most
     * {@link #RECHECK_MILLIS}. Returns false only if the deadline has passed.
     */
    private boolean await(long seen, long deadline, int transferred) throws IOException {
        synchronized (signal) {
            checkOpen();
            if (events != seen) {
                return true;
            }
            long wait = TimeUnit.MILLISECONDS.toNanos(RECHECK_MILLIS);
            if (deadline != NO_DEADLINE) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                wait = Math.min(wait, left);
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(signal, wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                InterruptedIOException interrupted = new InterruptedIOException(name + ": interrupted while waiting");
                interrupted.bytesTransferred = transferred;
                throw interrupted;
            }
            checkOpen();
            return true;
        }
    }

    private void checkOpen() throws TransportException {
        if (closed) {
            throw new TransportException(Termination.Kind.LOCAL_SHUTDOWN, name + " is closed");
        }
    }

    /**
     * Stops watching the descriptor and closes it; waiting reads and writes end with a
     * LOCAL_SHUTDOWN error at once. Idempotent.
     */
    @Override
    public void close() throws IOException {
        synchronized (signal) {
            if (closed) {
                return;
            }
            closed = true;
            signal.notifyAll();
        }
        // epoll watches the open file, not the number: it must forget the descriptor before it is
        // closed, since a copy may live on (in a child, in flight to one) and the number may be
        // reused at once.
        if (loop.inEventLoop()) {
            registration.cancel();
        } else {
            try {
                loop.submit(registration::cancel).awaitUninterruptibly(DEREGISTER_WAIT_MILLIS);
            } catch (RejectedExecutionException e) {
                // the loop is shut down (the JVM is exiting): its epoll descriptor is gone
            }
        }
        inUse.writeLock().lock(); // no system call on the descriptor in progress
        try {
            owner.close();
        } finally {
            inUse.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return name + " (fd " + fd.intValue() + (closed ? ", closed)" : ")");
    }

    /** The descriptor's registration: each event wakes the waiting threads, which retry. */
    private final class Handle implements EpollIoHandle {
        @Override
        public FileDescriptor fd() {
            return fd;
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            synchronized (signal) {
                events++;
                signal.notifyAll();
            }
        }

        @Override
        public void close() {
            // The loop is going away (the JVM exits): waiters fall back to retrying every second.
            handle(null, null);
        }
    }
}
