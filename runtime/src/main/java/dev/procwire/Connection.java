package dev.procwire;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import dev.procwire.codec.Codecs;
import dev.procwire.codec.ContentTypes;
import dev.procwire.proto.v1.Payload;
import dev.procwire.transport.Termination;
import dev.procwire.transport.TransportException;
import dev.procwire.transport.internal.FdEndpoint;
import dev.procwire.transport.internal.FdReader;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One end of a {@link Pipe}: the counterpart of Python's {@code multiprocessing.connection.Connection}.
 * What one end {@link #send sends}, the other {@link #receive receives}, whole and in order.
 *
 * <p>Messages: {@link #send} takes what {@link Codecs} can encode (plain data such as numbers,
 * strings, lists and maps; protobuf messages; the types of registered codecs) and the other end's
 * {@link #receive} gives it back as that type; {@link #sendBytes} and {@link #receiveBytes} carry
 * raw bytes. On the wire each message is one {@code procwire.v1.Payload} with a varint length
 * prefix, the framing of every procwire stream, so a peer in any language can read it; raw bytes
 * have content type {@code application/octet-stream}. The largest message is
 * {@link #maxMessageBytes()} (64 MiB by default), checked by the sender before writing and by the
 * receiver before allocating.
 *
 * <p>Waiting: {@code receive} waits for a whole message; a full pipe makes {@code send} wait for
 * the receiver, as in Python. Each wait ends with a {@link ConnectionClosedException} as soon as
 * the other end is closed or its process dies (messages sent before that are still received
 * first), or this end is {@link #close() closed} by another thread. {@link #poll(Duration)} waits
 * for a message without taking it.
 *
 * <p>An end can be handed to a child process at its start, so that the two processes talk
 * directly; the child gets it with {@link #inherited(String)}.
 *
 * <p>Thread safety, unlike Python's: every method may be called from any thread. Messages sent
 * from several threads never interleave; receiving threads take messages one at a time.
 * {@link #close()} is idempotent.
 */
public final class Connection implements AutoCloseable {

    /** Which ways a connection carries messages; the names travel to a child that inherits it. */
    enum Mode {
        DUPLEX("duplex"), RECEIVE("receive"), SEND("send");

        final String wire;

        Mode(String wire) {
            this.wire = wire;
        }

        static Mode ofWire(String wire) {
            for (Mode m : values()) {
                if (m.wire.equals(wire)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("unknown connection mode \"" + wire + "\"");
        }
    }

    private final FdEndpoint endpoint;
    private final FdReader reader;
    private final Mode mode;
    private final String name;
    private final int maxMessageBytes;
    private final ReentrantLock sending = new ReentrantLock();
    private final ReentrantLock receiving = new ReentrantLock();
    private byte[] ready; // a message poll read and receive has not taken yet; guarded by receiving
    private IOException ended; // why receiving cannot go on; guarded by receiving
    private volatile String handedTo;

    private Connection(FdEndpoint endpoint, Mode mode, String name, int maxMessageBytes) {
        this.endpoint = endpoint;
        this.reader = new FdReader(endpoint);
        this.mode = mode;
        this.name = name;
        this.maxMessageBytes = maxMessageBytes;
    }

    /**
     * A connection over {@code fd}, a non-blocking pipe end or socket that {@code owner} closes.
     * On failure the descriptor is left open.
     */
    static Connection over(FileDescriptor fd, FdEndpoint.Owner owner, Mode mode, String name, int maxMessageBytes)
            throws IOException {
        return new Connection(FdEndpoint.register(fd, owner, name), mode, name, maxMessageBytes);
    }

    /**
     * In a child process, the end its parent handed it under {@code name} when starting it. Each
     * end is given out once; the first call fetches them all from the parent.
     *
     * @throws java.util.NoSuchElementException if no end of that name was handed to this
     *     process, or it was taken already
     * @throws IOException if the ends cannot be fetched (the parent is gone, or refused: this is
     *     not the process they were handed to)
     */
    public static Connection inherited(String name) throws IOException {
        return ConnectionHandoff.claim(name);
    }

    /**
     * Sends {@code value}, encoded by {@link Codecs}; returns once it is written to the pipe.
     *
     * @throws ConnectionClosedException if the other end is gone, or this end was closed
     * @throws TransportException of kind FRAME_TOO_LARGE if the encoded message is larger than
     *     {@link #maxMessageBytes()} (nothing is sent)
     * @throws dev.procwire.codec.CodecException if no codec can encode {@code value}
     * @throws IllegalStateException if this is the receiving end of a one-way pipe, or was handed
     *     to another process
     * @throws InterruptedIOException if interrupted while waiting for room; if part of the
     *     message was written, the connection is closed (the other end could not find the next
     *     message's start)
     */
    public void send(Object value) throws IOException {
        check(true);
        write(Codecs.encode(value));
    }

    /** Sends {@code bytes} as they are; the other end gets them from {@link #receiveBytes()}. */
    public void sendBytes(byte[] bytes) throws IOException {
        sendBytes(bytes, 0, bytes.length);
    }

    /**
     * Sends {@code length} bytes of {@code bytes} from {@code offset} (Python's
     * {@code send_bytes(buf, offset, size)}). Errors as for {@link #send}.
     */
    public void sendBytes(byte[] bytes, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        check(true);
        // wrapped, not copied: the bytes are written before this call returns
        write(Payload.newBuilder().setContentType(ContentTypes.BYTES)
                .setData(UnsafeByteOperations.unsafeWrap(bytes, offset, length)).build());
    }

    private void write(Payload payload) throws IOException {
        int size = payload.getSerializedSize();
        if (size > maxMessageBytes) {
            throw new TransportException(Termination.Kind.FRAME_TOO_LARGE, name + ": message of " + size
                    + " bytes exceeds the maximum of " + maxMessageBytes + " bytes; not sent");
        }
        lock(sending);
        try {
            endpoint.writeDelimited(payload);
        } catch (TransportException e) {
            throw closed(e, "cannot send");
        } catch (InterruptedIOException e) {
            if (e.bytesTransferred == 0) {
                throw e;
            }
            close();
            InterruptedIOException cut = new InterruptedIOException(name + ": interrupted in the middle of sending"
                    + " a message; the connection was closed, as the other end could not find the next message");
            cut.bytesTransferred = e.bytesTransferred;
            throw cut;
        } finally {
            sending.unlock();
        }
    }

    /**
     * Waits for the next message and returns it decoded: what the other end gave {@link #send},
     * or a {@code byte[]} for what it gave {@link #sendBytes}.
     *
     * @throws ConnectionClosedException once the other end is gone and every message it sent
     *     was received (kind PEER_CLOSED), if it died in the middle of a message (TRUNCATED), or
     *     if this end was closed (LOCAL_SHUTDOWN)
     * @throws TransportException of kind FRAME_TOO_LARGE or PROTOCOL_ERROR if the other end sent
     *     something that is not a message (receiving cannot go on after)
     * @throws dev.procwire.codec.CodecException if no codec here reads the message's content
     *     type (the message is dropped; the next one can be received)
     * @throws IllegalStateException if this is the sending end of a one-way pipe, or was handed
     *     to another process
     * @throws InterruptedIOException if interrupted while waiting (nothing is lost)
     */
    public Object receive() throws IOException {
        Payload payload = next();
        if (ContentTypes.base(payload.getContentType()).equals(ContentTypes.BYTES)) {
            return payload.getData().toByteArray();
        }
        return Codecs.decode(payload);
    }

    /**
     * Waits for the next message and returns its bytes: what the other end gave
     * {@link #sendBytes}, or for a message given to {@link #send}, its encoded form (as Python's
     * {@code recv_bytes} returns a pickle). Errors as for {@link #receive}.
     */
    public byte[] receiveBytes() throws IOException {
        return next().getData().toByteArray();
    }

    private Payload next() throws IOException {
        check(false);
        byte[] body;
        lock(receiving);
        try {
            body = ready;
            ready = null;
            if (body == null) {
                body = readMessage(FdEndpoint.NO_DEADLINE);
            }
        } finally {
            receiving.unlock();
        }
        try {
            return Payload.parseFrom(body);
        } catch (InvalidProtocolBufferException e) {
            throw new TransportException(Termination.Kind.PROTOCOL_ERROR,
                    name + ": received a message that is not a procwire.v1.Payload: " + e.getMessage(), e);
        }
    }

    /**
     * Whether a message can be received without waiting, waiting at most {@code timeout} for one
     * to arrive whole. Also true once receiving would fail at once (the other end is gone, say),
     * so that the next {@link #receive} reports it. A message partly arrived when the timeout
     * passes is kept for the next call.
     *
     * @throws ConnectionClosedException if this end is closed
     * @throws IllegalStateException if this is the sending end of a one-way pipe
     * @throws InterruptedIOException if interrupted while waiting
     */
    public boolean poll(Duration timeout) throws IOException {
        check(false);
        long nanos = Math.max(0, timeout.toNanos());
        long deadline = System.nanoTime() + nanos;
        try {
            if (!receiving.tryLock(nanos, TimeUnit.NANOSECONDS)) {
                return false; // another thread is receiving and nothing reached this one in time
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(name + ": interrupted while polling");
        }
        try {
            if (ready != null || ended != null) {
                return true;
            }
            ready = readMessage(deadline);
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (ConnectionClosedException e) {
            if (e.kind() == Termination.Kind.LOCAL_SHUTDOWN) {
                throw e;
            }
            return true; // kept in ended: receive() reports it
        } catch (TransportException e) {
            return true; // likewise
        } finally {
            receiving.unlock();
        }
    }

    /** Same as {@code poll(Duration.ZERO)}: whether a whole message is here now. */
    public boolean poll() throws IOException {
        return poll(Duration.ZERO);
    }

    /** Reads the next message's body. Guarded by {@link #receiving}. */
    private byte[] readMessage(long deadline) throws IOException {
        if (ended != null) {
            throw again(ended);
        }
        byte[] body;
        try {
            body = reader.readDelimited(maxMessageBytes, deadline);
        } catch (TransportException e) {
            if (e.kind() == Termination.Kind.LOCAL_SHUTDOWN) {
                throw closed(e, "cannot receive");
            }
            ended = e.kind() == Termination.Kind.TRUNCATED
                    ? new ConnectionClosedException(Termination.Kind.TRUNCATED, e.getMessage(), e) : e;
            throw ended;
        }
        if (body == null) {
            ended = new ConnectionClosedException(Termination.Kind.PEER_CLOSED, name
                    + ": end of stream: the other end was closed (or its process exited)", null);
            throw ended;
        }
        return body;
    }

    private static IOException again(IOException e) {
        if (e instanceof ConnectionClosedException c) {
            return new ConnectionClosedException(c.kind(), c.getMessage(), c);
        }
        if (e instanceof TransportException t) {
            return new TransportException(t.kind(), t.getMessage(), t);
        }
        return new IOException(e.getMessage(), e);
    }

    private IOException closed(TransportException e, String what) {
        if (e.kind() == Termination.Kind.LOCAL_SHUTDOWN) {
            return new ConnectionClosedException(e.kind(), name + " is closed; " + what, e);
        }
        if (e.kind() == Termination.Kind.PEER_CLOSED) {
            return new ConnectionClosedException(e.kind(), name + ": " + what
                    + ": the other end was closed (or its process exited)", e);
        }
        return e;
    }

    private void lock(ReentrantLock lock) throws InterruptedIOException {
        try {
            lock.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(name + ": interrupted while waiting for another thread's turn");
        }
    }

    private void check(boolean send) throws ConnectionClosedException {
        String to = handedTo;
        if (to != null) {
            throw new IllegalStateException(name + " was handed to " + to + "; it is used there, not here");
        }
        if (send && mode == Mode.RECEIVE) {
            throw new IllegalStateException(name + " is the receiving end of a one-way pipe: it cannot send"
                    + " (the other end sends)");
        }
        if (!send && mode == Mode.SEND) {
            throw new IllegalStateException(name + " is the sending end of a one-way pipe: it cannot receive"
                    + " (the other end receives)");
        }
        if (endpoint.isClosed()) {
            throw new ConnectionClosedException(Termination.Kind.LOCAL_SHUTDOWN, name + " is closed", null);
        }
    }

    /** Whether this end can send (Python's {@code writable}). */
    public boolean canSend() {
        return mode != Mode.RECEIVE;
    }

    /** Whether this end can receive (Python's {@code readable}). */
    public boolean canReceive() {
        return mode != Mode.SEND;
    }

    /** The largest message, encoded, that this end sends or accepts. */
    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    /** A name for errors and logs, such as {@code "pipe-3 (first end)"}. */
    public String name() {
        return name;
    }

    /** Whether {@link #close()} was called (or the end was handed to another process). */
    public boolean isClosed() {
        return endpoint.isClosed();
    }

    /**
     * Closes this end: the other end's waiting {@code receive} ends with a
     * {@link ConnectionClosedException} once it has taken what was sent before, and waits on this
     * end, in any thread, end at once. Idempotent.
     */
    @Override
    public void close() {
        try {
            endpoint.close();
        } catch (IOException ignored) {
            // closing a descriptor: nothing to be done about a failure
        }
    }

    // ---- handing over to a child process (ConnectionHandoff)

    Mode mode() {
        return mode;
    }

    FileDescriptor fileDescriptor() {
        return endpoint.fileDescriptor();
    }

    /**
     * Reserves this end for {@code who}: from now on it cannot be used here.
     *
     * @throws IllegalStateException if it is closed, in use by a waiting thread, or reserved
     */
    synchronized void handTo(String who) {
        if (handedTo != null) {
            throw new IllegalStateException(name + " was already handed to " + handedTo);
        }
        if (endpoint.isClosed()) {
            throw new IllegalStateException(name + " is closed; it cannot be handed to " + who);
        }
        if (sending.isLocked() || receiving.isLocked()) {
            throw new IllegalStateException(name + " is in use by a thread here; it cannot be handed to " + who);
        }
        handedTo = who;
    }

    /** Undoes {@link #handTo}: the end was not handed over after all. */
    synchronized void takeBack() {
        handedTo = null;
    }

    @Override
    public String toString() {
        return "Connection[" + name + ", " + mode.wire + (isClosed() ? ", closed" : "")
                + (handedTo != null ? ", handed to " + handedTo : "") + "]";
    }
}
