package dev.procwire.transport.uds;

import dev.procwire.transport.FrameLimits;
import dev.procwire.transport.RuntimeDirectory;
import dev.procwire.transport.internal.EventLoops;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A runtime's listening Unix domain socket: workers connect to it, and each connection is
 * handed to the runtime as a {@link UnixSocketTransport} only if its kernel-given peer
 * credentials name a process the runtime {@link #expect expects}, running as this user.
 *
 * <p>Admission, at accept: the peer's uid must be this process's uid and its pid one the
 * runtime expects and that is not connected yet. A peer whose pid is not expected yet is held,
 * unread, until its pid is expected (the worker may connect before its spawner learns its pid)
 * or the handshake timeout passes. Any other peer is refused: its connection is closed and the
 * reason logged ({@link System.Logger}, WARNING) and passed to {@link #onRefusal}; the worker it
 * pretended to be is unaffected. The token in {@code Hello.auth_token} is checked where the
 * {@code Hello} is processed, with {@link PeerAuthentication#tokenMatches}. An admitted
 * transport must receive a whole frame within the handshake timeout of connecting, or it
 * terminates (see {@link UnixSocketTransport}).
 *
 * <p>Thread safety: every method may be called from any thread. {@link #close()} is
 * idempotent: it stops listening, removes the socket file, fails pending expectations and closes
 * held connections; transports already handed over stay open.
 */
public final class UnixSocketServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(UnixSocketServer.class.getName());
    /** Largest {@code sun_path} on Linux, including the terminating NUL. */
    public static final int SUN_PATH_BYTES = 108;
    /** Default time from connecting to the first whole frame. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    private final Path path;
    private final int maxFrameBytes;
    private final long handshakeTimeoutMillis;
    private final int uid;
    private final EpollServerDomainSocketChannel server;
    private final Map<Long, Expectation> expected = new HashMap<>();
    private final Map<Long, Held> held = new HashMap<>();
    private final Set<Long> connected = new HashSet<>();
    private volatile Consumer<String> refusals = reason -> {};
    private boolean closed;

    private record Expectation(String name, int maxFrameBytes, CompletableFuture<UnixSocketTransport> future,
                               ScheduledFuture<?> timer) {}

    private record Held(EpollDomainSocketChannel channel, PeerCredentials peer, long acceptedNanos,
                        ScheduledFuture<?> timer) {}

    private UnixSocketServer(Path path, int maxFrameBytes, Duration handshakeTimeout) {
        this.path = path;
        this.maxFrameBytes = FrameLimits.checkMax(maxFrameBytes);
        this.handshakeTimeoutMillis = handshakeTimeout.toMillis();
        if (handshakeTimeoutMillis <= 0) {
            throw new IllegalArgumentException("handshake timeout must be positive, got " + handshakeTimeout);
        }
        this.uid = PeerAuthentication.currentUid();
        this.server = new EpollServerDomainSocketChannel();
    }

    /** Listens on a fresh socket in {@code dir}, with the default handshake timeout. */
    public static UnixSocketServer bind(RuntimeDirectory dir, int maxFrameBytes) throws IOException {
        return bind(dir.newName("socket"), maxFrameBytes, DEFAULT_HANDSHAKE_TIMEOUT);
    }

    /**
     * Listens on a new socket file at {@code path} (mode 0600).
     *
     * @throws IOException naming the path if it is too long for {@code sun_path}, already
     *     exists, or cannot be bound (a missing or unwritable folder)
     */
    public static UnixSocketServer bind(Path path, int maxFrameBytes, Duration handshakeTimeout) throws IOException {
        Path absolute = path.toAbsolutePath();
        checkPathLength(absolute);
        if (Files.exists(absolute, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(absolute.toString(), null, "cannot listen on a Unix socket here: "
                    + "the path already exists");
        }
        EventLoops.shared(); // loads Netty's native library, which the channel needs
        UnixSocketServer s = new UnixSocketServer(absolute, maxFrameBytes, handshakeTimeout);
        s.server.pipeline().addLast("acceptor", s.new Acceptor());
        try {
            EventLoops.shared().register(s.server).syncUninterruptibly();
            s.server.bind(new DomainSocketAddress(absolute.toString())).syncUninterruptibly();
            Files.setPosixFilePermissions(absolute, PosixFilePermissions.fromString("rw-------"));
        } catch (RuntimeException | IOException e) {
            s.server.close().awaitUninterruptibly();
            Files.deleteIfExists(absolute);
            throw new IOException("cannot listen on Unix socket " + absolute + ": " + e.getMessage(), e);
        }
        return s;
    }

    /**
     * Checks that {@code path} fits in {@code sun_path}.
     *
     * @throws IOException naming the path and its length if it does not
     */
    static void checkPathLength(Path path) throws IOException {
        int bytes = path.toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes >= SUN_PATH_BYTES) {
            throw new IOException("Unix socket path " + path + " is " + bytes + " bytes long; it must be under "
                    + SUN_PATH_BYTES + " bytes (sun_path); use a shorter folder, such as -Djava.io.tmpdir=/tmp");
        }
    }

    /** The socket file. */
    public Path path() {
        return path;
    }

    /** Also tells {@code listener} the reason for each refused connection (for tests and metrics). */
    public void onRefusal(Consumer<String> listener) {
        this.refusals = Objects.requireNonNull(listener, "listener");
    }

    /**
     * Expects one connection from process {@code pid}: the future completes with its unstarted
     * transport, named {@code name}, once that process connects; or fails with a
     * {@link SocketTimeoutException} naming the pid and socket if it has not connected within
     * {@code timeout}, or with an {@link IOException} if the server closes first. Cancelling the
     * future withdraws the expectation.
     *
     * @throws IllegalStateException if {@code pid} is already expected
     */
    public CompletableFuture<UnixSocketTransport> expect(long pid, String name, Duration timeout) {
        return expect(pid, name, maxFrameBytes, timeout);
    }

    /** As {@link #expect(long, String, Duration)}, with a maximum frame size for this transport. */
    public CompletableFuture<UnixSocketTransport> expect(long pid, String name, int maxFrameBytes, Duration timeout) {
        Objects.requireNonNull(name, "name");
        FrameLimits.checkMax(maxFrameBytes);
        CompletableFuture<UnixSocketTransport> future = new CompletableFuture<>();
        Held waiting;
        synchronized (this) {
            if (closed) {
                future.completeExceptionally(new IOException("Unix socket server " + path + " is closed"));
                return future;
            }
            if (expected.containsKey(pid)) {
                throw new IllegalStateException("process " + pid + " is already expected on " + path);
            }
            connected.remove(pid); // a new process with a reused pid
            waiting = held.remove(pid);
            if (waiting == null) {
                ScheduledFuture<?> timer = loop().schedule(() -> expired(pid, future, timeout),
                        timeout.toMillis(), TimeUnit.MILLISECONDS);
                expected.put(pid, new Expectation(name, maxFrameBytes, future, timer));
                future.whenComplete((t, e) -> withdraw(pid, future));
                return future;
            }
            waiting.timer().cancel(false);
            connected.add(pid);
        }
        admit(waiting.channel(), waiting.peer(), waiting.acceptedNanos(), name, maxFrameBytes, future);
        return future;
    }

    private void expired(long pid, CompletableFuture<UnixSocketTransport> future, Duration timeout) {
        future.completeExceptionally(new SocketTimeoutException("process " + pid + " did not connect to "
                + path + " within " + timeout.toMillis() + " ms"));
    }

    private synchronized void withdraw(long pid, CompletableFuture<UnixSocketTransport> future) {
        Expectation e = expected.get(pid);
        if (e != null && e.future() == future) {
            expected.remove(pid);
            e.timer().cancel(false);
        }
    }

    private void admit(EpollDomainSocketChannel channel, PeerCredentials peer, long acceptedNanos, String name,
                       int maxFrameBytes, CompletableFuture<UnixSocketTransport> future) {
        UnixSocketTransport transport = new UnixSocketTransport(channel, peer, name, maxFrameBytes,
                acceptedNanos + TimeUnit.MILLISECONDS.toNanos(handshakeTimeoutMillis), handshakeTimeoutMillis);
        if (!future.complete(transport)) {
            transport.close(); // the expectation was cancelled meanwhile
        }
    }

    private EventLoop loop() {
        return server.eventLoop();
    }

    private void refuse(EpollDomainSocketChannel channel, String reason) {
        String message = "refused a connection on " + path + ": " + reason;
        LOG.log(Level.WARNING, message);
        channel.unsafe().closeForcibly(); // never registered: close the descriptor directly
        try {
            refusals.accept(message);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "refusal listener failed", e);
        }
    }

    /** Runs on the server channel's event loop for each accepted connection. */
    private final class Acceptor extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            EpollDomainSocketChannel channel = (EpollDomainSocketChannel) msg;
            long now = System.nanoTime();
            PeerCredentials peer;
            try {
                peer = PeerCredentials.of(channel.peerCredentials());
            } catch (IOException | RuntimeException e) {
                refuse(channel, "cannot read the peer's credentials: " + e.getMessage());
                return;
            }
            if (peer.uid() != uid) {
                refuse(channel, "peer " + peer + " runs as uid " + peer.uid() + ", not as this runtime's uid " + uid);
                return;
            }
            Expectation expectation;
            synchronized (UnixSocketServer.this) {
                if (closed) {
                    refuse(channel, "the server is closing");
                    return;
                }
                if (connected.contains(peer.pid()) || held.containsKey(peer.pid())) {
                    refuse(channel, "peer " + peer + " is already connected; one connection per process");
                    return;
                }
                expectation = expected.remove(peer.pid());
                if (expectation == null) {
                    ScheduledFuture<?> timer = loop().schedule(() -> unclaimed(peer.pid(), channel),
                            handshakeTimeoutMillis, TimeUnit.MILLISECONDS);
                    held.put(peer.pid(), new Held(channel, peer, now, timer));
                    return;
                }
                expectation.timer().cancel(false);
                connected.add(peer.pid());
            }
            admit(channel, peer, now, expectation.name(), expectation.maxFrameBytes(), expectation.future());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.log(Level.WARNING, "Unix socket server " + path + ": " + cause);
        }
    }

    private void unclaimed(long pid, EpollDomainSocketChannel channel) {
        Held h;
        synchronized (this) {
            h = held.get(pid);
            if (h == null || h.channel() != channel) {
                return;
            }
            held.remove(pid);
        }
        refuse(channel, "peer " + h.peer() + " is not a process this runtime expects (none within "
                + handshakeTimeoutMillis + " ms)");
    }

    /** Stops listening and removes the socket file; see the class comment. Idempotent. */
    @Override
    public void close() throws IOException {
        List<Expectation> pending;
        List<Held> waiting;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            pending = new ArrayList<>(expected.values());
            waiting = new ArrayList<>(held.values());
            expected.clear();
            held.clear();
        }
        server.close().awaitUninterruptibly(10, TimeUnit.SECONDS);
        for (Expectation e : pending) {
            e.timer().cancel(false);
            e.future().completeExceptionally(new IOException("Unix socket server " + path + " closed before "
                    + e.name() + " connected"));
        }
        for (Held h : waiting) {
            h.timer().cancel(false);
            loop().execute(() -> refuse(h.channel(), "the server closed"));
        }
        Files.deleteIfExists(path);
    }

    @Override
    public String toString() {
        return "UnixSocketServer[" + path + "]";
    }
}
