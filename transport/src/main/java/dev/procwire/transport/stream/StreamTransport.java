package dev.procwire.transport.stream;

import dev.procwire.proto.v1.ErrorCode;
import dev.procwire.proto.v1.Frame;
import dev.procwire.proto.v1.ProtocolError;
import dev.procwire.transport.FrameLimits;
import dev.procwire.transport.Frames;
import dev.procwire.transport.Termination;
import dev.procwire.transport.Transport;
import dev.procwire.transport.TransportException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A {@link Transport} over a blocking input and output stream, read by one daemon thread and
 * written under a lock by the sending thread. It is what a worker uses on its own standard input
 * and output: it starts in microseconds, where an event loop costs a native library load, and a
 * worker has a single connection to serve.
 *
 * <p>Each frame is written with a single {@code write} call, so frames from several threads never
 * interleave. Thread safety and lifecycle are those of {@link Transport}.
 */
public final class StreamTransport implements Transport {
    private final InputStream in;
    private final OutputStream out;
    private final String name;
    private final int maxFrameBytes;
    private final Object writeLock = new Object();
    private final AtomicBoolean started = new AtomicBoolean();
    private final CompletableFuture<Termination> termination = new CompletableFuture<>();
    private volatile boolean outputClosed;
    private volatile Termination localEnd;
    private volatile Thread reader;
    private final Executor readers;
    private Listener listener;

    /** A transport whose reads run on one daemon thread of its own. */
    public StreamTransport(InputStream in, OutputStream out, String name, int maxFrameBytes) {
        this(in, out, name, maxFrameBytes, task -> {
            Thread t = new Thread(task, "procwire-reader");
            t.setDaemon(true);
            t.start();
        });
    }

    /**
     * A transport whose read loop runs on {@code readers}, which must run each task on a thread
     * of its own at once: a reader whose work ran long (see {@link #keepReadingUnlessSlow()}) is
     * replaced by the next.
     */
    public StreamTransport(InputStream in, OutputStream out, String name, int maxFrameBytes, Executor readers) {
        this(in, out, name, maxFrameBytes, readers, HANDOFF_DELAY_NANOS);
    }

    /** As above, with how long work may keep the reading thread (tests choose it). */
    StreamTransport(InputStream in, OutputStream out, String name, int maxFrameBytes, Executor readers,
                    long handoffDelayNanos) {
        this.handoffDelayNanos = handoffDelayNanos;
        this.in = Objects.requireNonNull(in, "in");
        this.out = Objects.requireNonNull(out, "out");
        this.name = Objects.requireNonNull(name, "name");
        this.maxFrameBytes = FrameLimits.checkMax(maxFrameBytes);
        this.readers = Objects.requireNonNull(readers, "readers");
    }

    @Override
    public void start(Listener listener) {
        Objects.requireNonNull(listener, "listener");
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException(name + " is already started");
        }
        this.listener = listener;
        readers.execute(this::readLoop);
    }

    /** How long work may keep the reading thread before another thread takes over reading. */
    static final long HANDOFF_DELAY_NANOS = Long.getLong("procwire.handoffMicros", 500) * 1_000;
    private final long handoffDelayNanos;
    /** How long after the last such work the supervisor stops polling and sleeps until needed. */
    private static final long SUPERVISOR_IDLE_NANOS = 100_000_000;
    /** The reading thread while it runs work (see keepReadingUnlessSlow), else null. */
    private final AtomicReference<Thread> working = new AtomicReference<>();
    private Thread busyThread; // written and read by the reading thread only
    private volatile long busySince;
    private volatile Thread supervisor;
    private volatile boolean supervisorAsleep;

    /**
     * Called from {@link Listener#onFrame} on the reading thread before it runs work that is
     * usually short: this thread keeps reading after the work, and only if the work is still
     * running {@link #HANDOFF_DELAY_NANOS} (0.5 ms) later does another thread take over reading (frames
     * that arrive meanwhile wait that long). A round trip of a tiny task then costs no thread
     * wake-up in this process: about 10 us of a 40 us round trip here. Once reading is handed
     * off, later frames are delivered on the new thread concurrently with the rest of this work:
     * the one exception to "callbacks never run concurrently" (the leader/followers pattern).
     *
     * @throws IllegalStateException if not called on the reading thread
     */
    public void keepReadingUnlessSlow() {
        Thread me = Thread.currentThread();
        if (me != reader) {
            throw new IllegalStateException("only the thread reading " + name + " can run work on it");
        }
        busyThread = me;
        busySince = System.nanoTime();
        working.set(me);
        Thread s = supervisor;
        if (s == null) {
            s = new Thread(this::supervise, "procwire-reading-supervisor");
            s.setDaemon(true);
            supervisor = s;
            s.start();
        } else if (supervisorAsleep) {
            LockSupport.unpark(s);
        }
    }

    /** After onFrame on the reading thread: whether this thread still reads. */
    private boolean stillReading(Thread me) {
        if (busyThread == me) {
            busyThread = null;
            return working.compareAndSet(me, null); // false: reading was handed off meanwhile
        }
        return reader == me;
    }

    /**
     * Hands reading off from a thread whose work has run too long. It polls while short work
     * streams in (an unpark per task would cost more than the poll) and sleeps until the next
     * work begins once reading was handed off (the work runs long: nothing to watch, and a poll
     * every 0.5 ms would take CPU from it) or no work came for a while.
     */
    private void supervise() {
        long lastBusy = System.nanoTime();
        while (!termination.isDone()) {
            long now = System.nanoTime();
            Thread w = working.get();
            if (w != null) {
                lastBusy = now;
                long waited = now - busySince;
                if (waited >= handoffDelayNanos) {
                    if (working.compareAndSet(w, null)) { // w now stops reading when its work ends
                        reader = null;
                        readers.execute(this::readLoop);
                        sleepUntilWork();
                        lastBusy = System.nanoTime();
                    }
                    continue;
                }
                LockSupport.parkNanos(handoffDelayNanos - waited);
            } else if (now - lastBusy >= SUPERVISOR_IDLE_NANOS) {
                sleepUntilWork();
                lastBusy = System.nanoTime();
            } else {
                LockSupport.parkNanos(handoffDelayNanos);
            }
        }
    }

    /** Parks until keepReadingUnlessSlow marks new work (it unparks a sleeping supervisor). */
    private void sleepUntilWork() {
        supervisorAsleep = true;
        if (working.get() == null) {
            LockSupport.park();
        }
        supervisorAsleep = false;
    }

    private void readLoop() {
        Thread me = Thread.currentThread();
        reader = me;
        FrameReader frames = new FrameReader(in, maxFrameBytes);
        Termination end;
        try {
            Frame frame;
            while ((frame = frames.read()) != null) {
                String malformed = Frames.malformed(frame);
                if (malformed != null) {
                    throw new TransportException(Termination.Kind.PROTOCOL_ERROR, malformed);
                }
                listener.onFrame(frame);
                if (!stillReading(me)) {
                    return; // handed off: another thread reads now
                }
            }
            end = localEnd != null ? localEnd
                    : new Termination(Termination.Kind.PEER_CLOSED, name + ": peer closed the connection", null);
        } catch (TransportException e) {
            end = new Termination(e.kind(), name + ": " + e.getMessage(), e);
            reportProtocolError(e);
        } catch (IOException e) {
            end = localEnd != null ? localEnd : new Termination(Termination.Kind.IO_ERROR, name + ": " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            // the listener threw (or a class failed to load): end here, as ChannelTransport
            // does, rather than leave a dead reader and a transport that never terminates
            end = new Termination(Termination.Kind.PROTOCOL_ERROR, name + ": " + e, e);
        }
        closeQuietly();
        try {
            listener.onTerminated(end);
        } finally {
            termination.complete(end);
        }
    }

    private void reportProtocolError(TransportException e) {
        ErrorCode code = Frames.protocolErrorCode(e.kind());
        if (code != null) {
            send(Frame.newBuilder().setProtocolError(
                    ProtocolError.newBuilder().setCode(code).setMessage(e.getMessage())).build());
        }
    }

    @Override
    public CompletableFuture<Void> send(Frame frame) {
        try {
            write(frame);
            return CompletableFuture.completedFuture(null);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Writes {@code frame} now, on the calling thread. */
    public void write(Frame frame) throws IOException {
        int size = frame.getSerializedSize();
        if (size > maxFrameBytes) {
            throw new TransportException(Termination.Kind.FRAME_TOO_LARGE,
                    name + ": " + FrameLimits.tooLarge(size, maxFrameBytes) + "; frame not sent");
        }
        byte[] bytes = Frames.delimited(frame);
        synchronized (writeLock) {
            if (outputClosed) {
                throw new TransportException(Termination.Kind.LOCAL_SHUTDOWN, name + " is closed; frame not sent");
            }
            out.write(bytes);
            out.flush();
        }
    }

    @Override
    public void shutdown() {
        localEnd(new Termination(Termination.Kind.LOCAL_SHUTDOWN, name + " shut down", null));
        closeOutput();
        if (!started.get()) {
            closeQuietly();
            termination.complete(localEnd); // nothing to drain: no reader ever ran
        }
    }

    @Override
    public void shutdownNow(String reason) {
        localEnd(new Termination(Termination.Kind.LOCAL_SHUTDOWN, name + " closed: " + reason, null));
        closeQuietly();
        if (!started.get()) {
            termination.complete(localEnd);
        }
    }

    /**
     * Stops reading: closes the input, which ends a read in progress if the stream allows it (a
     * stream over an interruptible channel does), and terminates the transport as shut down.
     * Sending goes on working. For a process about to exit, so no thread is left in a read.
     */
    public void stopReading(String reason) {
        localEnd(new Termination(Termination.Kind.LOCAL_SHUTDOWN, name + " stopped reading: " + reason, null));
        try {
            in.close();
        } catch (IOException ignored) {
            // nothing left to read from
        }
    }

    private synchronized void localEnd(Termination t) {
        if (localEnd == null) {
            localEnd = t;
        }
    }

    private void closeOutput() {
        synchronized (writeLock) {
            if (outputClosed) {
                return;
            }
            outputClosed = true;
            try {
                out.close();
            } catch (IOException ignored) {
                // the peer is gone; nothing to flush to
            }
        }
    }

    private void closeQuietly() {
        closeOutput();
        try {
            in.close();
        } catch (IOException ignored) {
            // closing a dead pipe
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
