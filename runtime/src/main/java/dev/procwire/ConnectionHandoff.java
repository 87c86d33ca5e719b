package dev.procwire;

import dev.procwire.transport.FrameLimits;
import dev.procwire.transport.uds.PeerAuthentication;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketCredentials;
import org.newsclub.net.unix.FileDescriptorCast;

/**
 * Hands {@link Connection} ends to a child process as it starts, so that it holds the very
 * descriptors and talks to their other ends directly. A child's standard streams are the only
 * descriptors a {@link ProcessBuilder} can give it (and the JDK closes every other one in the
 * child), so the ends travel another way: the child connects to a Unix socket of the parent's, in
 * the abstract namespace (no file to clean up), and receives them as {@code SCM_RIGHTS}.
 *
 * <p>Parent: {@link #offer} reserves the ends (they cannot be used here any more) and listens;
 * the child is started with {@link #childEnvironment()}; {@link #deliverTo} serves it. The first
 * peer whose kernel-given credentials ({@code SO_PEERCRED}) are that child's pid and this uid and
 * who presents the one-time token gets the ends; any other peer is refused and logged, and the
 * child is unaffected. Once the ends are sent, or once the child exits without taking them,
 * this process closes its copies: so the other ends see end of stream when the child is gone.
 * {@link #close()} before {@code deliverTo} gives the ends back (the child did not start).
 *
 * <p>Child: {@link #claim} fetches them all the first time it is called. Received descriptors
 * are made close-on-exec.
 *
 * <p>On the socket: the child writes the token and {@code \n}; the parent answers with UTF-8
 * lines, {@code procwire-connections 1}, then {@code name TAB mode TAB maxMessageBytes} for each
 * end ({@code duplex}, {@code receive} or {@code send}), then an empty line, with the
 * descriptors in the same order attached to its first byte, and closes the socket.
 *
 * <p>Thread safety: every method may be called from any thread. Internal.
 */
final class ConnectionHandoff implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ConnectionHandoff.class.getName());
    /** The abstract socket name the child connects to. */
    static final String ENV_ADDRESS = dev.procwire.internal.Protocol.ENV_CONNECTIONS;
    /** The one-time token the child presents. */
    static final String ENV_TOKEN = dev.procwire.internal.Protocol.ENV_CONNECTIONS_TOKEN;
    /** At most this many ends per child: all travel in one message. */
    static final int MAX_ENDS = 64;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final String HEADER = "procwire-connections 1";
    private static final int TOKEN_WAIT_MILLIS = 5_000;
    private static final int CLAIM_WAIT_MILLIS = 30_000;
    private static final int MAX_ANSWER_BYTES = 64 * 1024;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, Connection> ends;
    private final String who;
    private final AFUNIXServerSocket server;
    private final String address;
    private final String token;
    private final int uid;
    private final CompletableFuture<Boolean> done = new CompletableFuture<>();
    private volatile ProcessHandle child;
    private volatile Thread serving;

    private static Map<String, Connection> claimed; // in a child: the ends not taken yet

    private ConnectionHandoff(Map<String, Connection> ends, String who, AFUNIXServerSocket server, String address,
                              String token) {
        this.ends = ends;
        this.who = who;
        this.server = server;
        this.address = address;
        this.token = token;
        this.uid = PeerAuthentication.currentUid();
    }

    /**
     * Checks that {@code end} can be handed over under {@code name}.
     *
     * @throws IllegalArgumentException naming what is wrong with the name
     * @throws IllegalStateException if the end is closed or already handed over
     */
    static void check(String name, Connection end) {
        Objects.requireNonNull(end, "end");
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a connection's name must be 1 to 64 letters, digits, '.', '_' or '-',"
                    + " not " + (name == null ? "null" : "\"" + name + "\""));
        }
        if (end.isClosed()) {
            throw new IllegalStateException(end.name() + " is closed; it cannot be handed to a process");
        }
    }

    /**
     * Reserves {@code ends} for the process {@code who} and listens for it to claim them.
     *
     * @throws IllegalArgumentException if there are more than {@link #MAX_ENDS}, or a name is bad
     * @throws IllegalStateException if an end is closed, in use, or reserved already (nothing is
     *     reserved then)
     */
    static ConnectionHandoff offer(Map<String, Connection> ends, String who) throws IOException {
        if (ends.size() > MAX_ENDS) {
            throw new IllegalArgumentException("at most " + MAX_ENDS + " connections can be handed to a process, not "
                    + ends.size());
        }
        Map<String, Connection> copy = new LinkedHashMap<>(ends);
        copy.forEach(ConnectionHandoff::check);
        List<Connection> reserved = new ArrayList<>();
        try {
            for (Connection end : copy.values()) {
                end.handTo(who);
                reserved.add(end);
            }
            byte[] random = new byte[16];
            RANDOM.nextBytes(random);
            String address = "procwire-connections-" + ProcessHandle.current().pid() + "-"
                    + HexFormat.of().formatHex(random);
            AFUNIXServerSocket server = AFUNIXServerSocket.bindOn(AFUNIXSocketAddress.inAbstractNamespace(address));
            return new ConnectionHandoff(copy, who, server, address, PeerAuthentication.newToken());
        } catch (IOException | RuntimeException e) {
            reserved.forEach(Connection::takeBack);
            throw e;
        }
    }

    /** The variables that tell the child where and how to claim its ends. */
    Map<String, String> childEnvironment() {
        return Map.of(ENV_ADDRESS, address, ENV_TOKEN, token);
    }

    /**
     * Serves {@code child} on a daemon thread until it has the ends or exits; returns at once.
     *
     * @throws IllegalStateException if called twice
     */
    synchronized void deliverTo(ProcessHandle child) {
        if (this.child != null) {
            throw new IllegalStateException("connections for " + who + " are already being delivered");
        }
        this.child = Objects.requireNonNull(child, "child");
        if (done.isDone()) {
            return;
        }
        serving = new Thread(this::serve, "procwire-connections " + who);
        serving.setDaemon(true);
        serving.start();
        child.onExit().thenRun(() -> finish(false));
    }

    /** Completes with true once the child has the ends, or false if it exited (or this closed) first. */
    CompletableFuture<Boolean> delivered() {
        return done.copy();
    }

    private void serve() {
        try {
            while (!done.isDone()) {
                AFUNIXSocket peer;
                try {
                    peer = server.accept();
                } catch (IOException e) {
                    if (!done.isDone()) { // the ends are closed here when the child exits
                        LOG.log(Level.WARNING, "stopped listening for " + who + " to claim its connections: " + e);
                    }
                    return;
                }
                try (peer) {
                    if (!done.isDone() && admitted(peer)) {
                        send(peer);
                        finish(true);
                    }
                } catch (IOException e) {
                    LOG.log(Level.WARNING, "handing connections to " + who + " failed: " + e.getMessage());
                }
            }
        } finally {
            closeServer();
        }
    }

    private boolean admitted(AFUNIXSocket peer) throws IOException {
        AFUNIXSocketCredentials c = peer.getPeerCredentials();
        long expected = child.pid();
        if (c.getUid() != uid || c.getPid() != expected) {
            refuse("peer pid " + c.getPid() + " uid " + c.getUid() + " is not " + who + " (pid " + expected
                    + ", uid " + uid + ")");
            return false;
        }
        peer.setSoTimeout(TOKEN_WAIT_MILLIS);
        byte[] presented;
        try {
            presented = readLine(peer.getInputStream(), 256);
        } catch (SocketTimeoutException e) {
            refuse(who + " sent no token within " + TOKEN_WAIT_MILLIS + " ms");
            return false;
        }
        if (presented == null || !PeerAuthentication.tokenMatches(token, presented)) {
            refuse(who + " (pid " + expected + ") presented a wrong token");
            return false;
        }
        return true;
    }

    private void refuse(String why) {
        LOG.log(Level.WARNING, "refused a claim on the connections handed to " + who + ": " + why);
    }

    private void send(AFUNIXSocket peer) throws IOException {
        StringBuilder answer = new StringBuilder(HEADER).append('\n');
        FileDescriptor[] fds = new FileDescriptor[ends.size()];
        int i = 0;
        for (Map.Entry<String, Connection> e : ends.entrySet()) {
            Connection end = e.getValue();
            answer.append(e.getKey()).append('\t').append(end.mode().wire).append('\t')
                    .append(end.maxMessageBytes()).append('\n');
            fds[i++] = end.fileDescriptor();
        }
        answer.append('\n');
        peer.setOutboundFileDescriptors(fds);
        peer.getOutputStream().write(answer.toString().getBytes(StandardCharsets.UTF_8));
        peer.getOutputStream().flush();
        // In flight, the descriptors are held by the kernel: closing ours (finish) is safe now.
    }

    private void finish(boolean delivered) {
        if (!done.complete(delivered)) {
            return;
        }
        ends.values().forEach(Connection::close); // the child has them, or is gone
        if (Thread.currentThread() != serving) {
            wakeServer();
        }
    }

    /**
     * Ends the serving thread's wait in {@code accept} by connecting to it: it then sees that it
     * is done and closes the listening socket. (Closing that socket under a waiting
     * {@code accept} makes junixsocket 2.10.1 leak a socket of its own.)
     */
    private void wakeServer() {
        try {
            // accepted from the backlog even once closed here
            AFUNIXSocket.connectTo(AFUNIXSocketAddress.inAbstractNamespace(address)).close();
        } catch (IOException e) {
            // not listening any more: nothing waits
        }
    }

    private void closeServer() {
        try {
            server.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing the connection handoff socket for " + who + ": " + e);
        }
    }

    /**
     * Before {@link #deliverTo}: gives the ends back (the child did not start). After: stops
     * waiting for the child and closes the ends here, if it has not taken them. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (child != null) {
            finish(false);
            return;
        }
        if (done.complete(false)) {
            closeServer();
            ends.values().forEach(Connection::takeBack);
        }
    }

    // ---- in the child

    /** The end handed to this process under {@code name}; see {@link Connection#inherited}. */
    static synchronized Connection claim(String name) throws IOException {
        Objects.requireNonNull(name, "name");
        if (claimed == null) {
            claimed = fetch();
        }
        Connection end = claimed.remove(name);
        if (end == null) {
            throw new NoSuchElementException("no connection named \"" + name + "\" was handed to this process"
                    + (System.getenv(ENV_ADDRESS) == null ? " (it was started with none)"
                    : claimed.isEmpty() ? " (or it was taken already)" : "; it has " + claimed.keySet()));
        }
        return end;
    }

    private static Map<String, Connection> fetch() throws IOException {
        String address = System.getenv(ENV_ADDRESS);
        String token = System.getenv(ENV_TOKEN);
        if (address == null || token == null) {
            return new LinkedHashMap<>();
        }
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        List<FileDescriptor> received = new ArrayList<>();
        try (AFUNIXSocket s = AFUNIXSocket.connectTo(AFUNIXSocketAddress.inAbstractNamespace(address))) {
            s.setSoTimeout(CLAIM_WAIT_MILLIS);
            s.setAncillaryReceiveBufferSize(MAX_ENDS * 8 + 256);
            s.getOutputStream().write((token + "\n").getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            byte[] chunk = new byte[4096];
            int n;
            while ((n = in.read(chunk)) >= 0) {
                FileDescriptor[] fds = s.getReceivedFileDescriptors();
                if (fds != null) {
                    received.addAll(List.of(fds));
                }
                answer.write(chunk, 0, n);
                if (answer.size() > MAX_ANSWER_BYTES) {
                    throw new IOException("the answer is longer than " + MAX_ANSWER_BYTES + " bytes");
                }
            }
            // before the socket closes: junixsocket closes the descriptors it received with it
            return build(answer.toString(StandardCharsets.UTF_8), received);
        } catch (IOException | RuntimeException e) {
            closeAll(received);
            throw new IOException("cannot fetch the connections handed to this process from the one that started it"
                    + " (socket @" + address + "): " + e.getMessage(), e);
        }
    }

    private static Map<String, Connection> build(String answer, List<FileDescriptor> received) throws IOException {
        if (answer.isEmpty()) {
            throw new IOException("the process that started this one refused to hand over its connections: this is"
                    + " not the process they were handed to (see its log)");
        }
        String[] lines = answer.split("\n", -1);
        if (!lines[0].equals(HEADER)) {
            throw new IOException("unexpected answer to a claim on connections: \"" + lines[0] + "\"");
        }
        Map<String, Connection> out = new LinkedHashMap<>();
        int count = 0;
        for (int i = 1; i < lines.length && !lines[i].isEmpty(); i++) {
            count++;
        }
        if (count != received.size()) {
            throw new IOException("received " + received.size() + " descriptors for " + count + " connections");
        }
        try {
            for (int i = 0; i < count; i++) {
                String[] parts = lines[i + 1].split("\t");
                if (parts.length != 3) {
                    throw new IOException("malformed connection line \"" + lines[i + 1] + "\"");
                }
                Connection.Mode mode = Connection.Mode.ofWire(parts[1]);
                int max = FrameLimits.checkMax(Integer.parseInt(parts[2]));
                FileDescriptor fd = received.get(i);
                // The received descriptor is not close-on-exec; a duplicate made here is.
                FileDescriptor own = FileDescriptorCast.duplicating(fd).getFileDescriptor();
                new FileInputStream(fd).close();
                received.set(i, own);
                FileInputStream owner = new FileInputStream(own);
                out.put(parts[0], Connection.over(own, owner::close, mode,
                        "connection \"" + parts[0] + "\" (" + mode.wire + ", inherited)", max));
            }
            return out;
        } catch (IOException | RuntimeException e) {
            out.values().forEach(Connection::close);
            throw e;
        }
    }

    private static void closeAll(List<FileDescriptor> fds) {
        for (FileDescriptor fd : fds) {
            try {
                if (fd.valid()) {
                    new FileInputStream(fd).close();
                }
            } catch (IOException ignored) {
                // giving up on it
            }
        }
    }

    /** Reads up to a {@code \n} (not included); null at end of stream before one. */
    private static byte[] readLine(InputStream in, int max) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                return line.toByteArray();
            }
            if (line.size() >= max) {
                return null;
            }
            line.write(b);
        }
        return null;
    }
}
