package dev.procwire.transport.uds;

import dev.procwire.proto.v1.Frame;
import dev.procwire.transport.Termination;
import dev.procwire.transport.Transport;
import dev.procwire.transport.internal.ChannelTransport;
import dev.procwire.transport.internal.DuplicateWriter;
import dev.procwire.transport.internal.EventLoops;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.LinuxSocket;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Transport} over a connected Unix domain socket, on Netty's epoll domain-socket
 * channel and the shared event loop. The runtime gets one from {@link UnixSocketServer#expect}
 * for each worker; a peer connects with {@link #connect}.
 *
 * <p>{@link #peerCredentials()} says which process is at the other end (from
 * {@code SO_PEERCRED}). A transport accepted by a {@link UnixSocketServer} has a handshake
 * deadline: if no whole frame has arrived by then (a peer that sends nothing, or a frame header
 * and then nothing), it terminates with {@link Termination.Kind#IO_ERROR} and a message saying so.
 *
 * <p>Thread safety and lifecycle are those of {@link Transport}.
 */
public final class UnixSocketTransport extends ChannelTransport {
    private static final System.Logger LOG = System.getLogger(UnixSocketTransport.class.getName());
    private static final long CONNECT_RETRY_MILLIS = 2_000;
    /**
     * SO_SNDBUF of procwire's sockets, as its pipes grow to 1 MiB; {@code -Dprocwire.udsSendBuffer},
     * 0 for the system's default.
     */
    static final int SEND_BUFFER_BYTES = Integer.getInteger("procwire.udsSendBuffer", 1 << 20);

    private final PeerCredentials peer;
    private final long handshakeDeadlineNanos;
    private final long handshakeTimeoutMillis;
    private volatile boolean heard;

    UnixSocketTransport(EpollDomainSocketChannel channel, PeerCredentials peer, String name, int maxFrameBytes,
                        long handshakeDeadlineNanos, long handshakeTimeoutMillis) {
        super(channel, duplicateWriter(channel, name), EventLoops.shared(), name, maxFrameBytes);
        if (SEND_BUFFER_BYTES > 0) {
            // A Unix stream socket queues at most its sender's SO_SNDBUF (208 KiB by default), so
            // a 1 MiB frame went out in five or more writes, each woken by the reader's progress.
            // The kernel caps the value at net.core.wmem_max for non-root users.
            channel.config().setSendBufferSize(SEND_BUFFER_BYTES);
        }
        this.peer = Objects.requireNonNull(peer, "peer");
        this.handshakeDeadlineNanos = handshakeDeadlineNanos;
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
    }

    /** Direct writes through a duplicate of the socket, or none if it cannot be duplicated. */
    private static DuplicateWriter duplicateWriter(EpollDomainSocketChannel channel, String name) {
        try {
            return DuplicateWriter.of(channel.fd().intValue());
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, name + ": no direct writes (" + e + "); every frame goes through the event loop");
            return null;
        }
    }

    /**
     * Connects to the socket at {@code path} and returns an unstarted transport over it.
     *
     * @throws IOException naming the path if nothing listens there or it cannot be reached
     */
    public static UnixSocketTransport connect(Path path, String name, int maxFrameBytes) throws IOException {
        UnixSocketServer.checkPathLength(path);
        EventLoops.shared(); // loads Netty's native library
        // A non-blocking connect to a local socket completes at once, or fails with EAGAIN while
        // the listener's backlog is full: then it is retried, for at most CONNECT_RETRY_MILLIS.
        LinuxSocket socket = LinuxSocket.newSocketDomain();
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CONNECT_RETRY_MILLIS);
            while (!socket.connect(new DomainSocketAddress(path.toString()))) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IOException("the listener's backlog stayed full for " + CONNECT_RETRY_MILLIS + " ms");
                }
                Thread.sleep(5);
            }
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw new IOException("cannot connect to Unix socket " + path + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            socket.close();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while connecting to Unix socket " + path);
        }
        EpollDomainSocketChannel channel = new EpollDomainSocketChannel(null, socket);
        PeerCredentials server;
        try {
            server = PeerCredentials.of(channel.peerCredentials());
        } catch (IOException | RuntimeException e) {
            channel.unsafe().closeForcibly();
            throw e;
        }
        return new UnixSocketTransport(channel, server, name, maxFrameBytes, 0, 0);
    }

    /** The socket's SO_SNDBUF as the kernel reports it (twice the value set, within its cap). For tests. */
    int sendBufferSize() {
        return ((EpollDomainSocketChannel) channel()).config().getSendBufferSize();
    }

    /** The process at the other end, as the kernel recorded it when the socket was connected. */
    public PeerCredentials peerCredentials() {
        return peer;
    }

    @Override
    public void start(Listener listener) {
        Objects.requireNonNull(listener, "listener");
        super.start(handshakeTimeoutMillis > 0 ? new FirstFrameListener(listener) : listener);
        if (handshakeTimeoutMillis > 0) {
            long left = Math.max(0, handshakeDeadlineNanos - System.nanoTime());
            channel().eventLoop().schedule(this::checkHandshake, left, TimeUnit.NANOSECONDS);
        }
    }

    private void checkHandshake() {
        if (heard || !channel().isOpen()) {
            return;
        }
        String why = "peer " + peer + " sent no whole frame within " + handshakeTimeoutMillis
                + " ms of connecting (handshake timeout); dropped";
        LOG.log(Level.WARNING, name() + ": " + why);
        channel().pipeline().fireExceptionCaught(new HandshakeTimeoutException(why));
    }

    /** No whole frame arrived before the handshake deadline. */
    public static final class HandshakeTimeoutException extends IOException {
        HandshakeTimeoutException(String message) {
            super(message);
        }
    }

    /** Notes that a frame arrived, for the handshake deadline. */
    private final class FirstFrameListener implements Listener {
        private final Listener delegate;

        FirstFrameListener(Listener delegate) {
            this.delegate = delegate;
        }

        @Override
        public void onFrame(Frame frame) {
            heard = true;
            delegate.onFrame(frame);
        }

        @Override
        public void onTerminated(Termination termination) {
            delegate.onTerminated(termination);
        }
    }
}
