package dev.procwire.transport.uds;

import static dev.procwire.transport.TestFrames.heartbeat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.procwire.transport.FrameLimits;
import dev.procwire.transport.RecordingListener;
import dev.procwire.transport.RuntimeDirectory;
import dev.procwire.transport.Termination;
import dev.procwire.transport.Termination.Kind;
import dev.procwire.transport.TestFrames;
import dev.procwire.transport.internal.ProcFiles;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/** {@link UnixSocketServer}'s admission of peers, with real sockets and real child processes. */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class UnixSocketServerTest {
    private static final int MAX = FrameLimits.DEFAULT_MAX_FRAME_BYTES;
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration HANDSHAKE = Duration.ofMillis(500);
    private static final long ME = ProcessHandle.current().pid();

    @TempDir
    Path tmp;

    private RuntimeDirectory dir;
    private UnixSocketServer server;
    private final List<String> refusals = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    private UnixSocketServer server() throws IOException {
        dir = RuntimeDirectory.create(tmp);
        server = UnixSocketServer.bind(dir.newName("socket"), MAX, HANDSHAKE);
        server.onRefusal(refusals::add);
        return server;
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close();
            assertFalse(Files.exists(server.path()), "socket file removed on close");
            dir.close();
        }
    }

    private UnixSocketTransport client() throws IOException {
        UnixSocketTransport t = UnixSocketTransport.connect(server.path(), "client", MAX);
        closeables.add(t);
        return t;
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A client of this process, and the server's end of it, admitted as the expected worker. */
    private record Connected(UnixSocketTransport client, UnixSocketTransport accepted) {}

    private Connected connectExpected() throws Exception {
        CompletableFuture<UnixSocketTransport> expected = server.expect(ME, "worker", WAIT);
        UnixSocketTransport client = client();
        UnixSocketTransport accepted = get(expected);
        closeables.add(accepted);
        return new Connected(client, accepted);
    }

    @Test
    void admitsTheExpectedProcessAndGivesItsCredentials() throws Exception {
        server();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(server.path())));
        Connected c = connectExpected();
        UnixSocketTransport client = c.client();
        UnixSocketTransport accepted = c.accepted();
        assertEquals(ME, accepted.peerCredentials().pid());
        assertEquals(PeerAuthentication.currentUid(), accepted.peerCredentials().uid());
        assertNull(PeerAuthentication.refusal(accepted.peerCredentials(), ME, PeerAuthentication.currentUid()));
        assertEquals(ME, client.peerCredentials().pid());
    }

    @Test
    void bothEndsAskForASendBufferOfOneMebibyte() throws Exception {
        server();
        Connected c = connectExpected();
        UnixSocketTransport client = c.client();
        UnixSocketTransport accepted = c.accepted();
        long wmemMax = Long.parseLong(ProcFiles.read(Path.of("/proc/sys/net/core/wmem_max")));
        // Linux doubles the value set, and caps what it sets at wmem_max (root may exceed it).
        long atLeast = 2 * Math.min(UnixSocketTransport.SEND_BUFFER_BYTES, wmemMax);
        assertTrue(client.sendBufferSize() >= atLeast, client.sendBufferSize() + " < " + atLeast);
        assertTrue(accepted.sendBufferSize() >= atLeast, accepted.sendBufferSize() + " < " + atLeast);
    }

    @Test
    void admitsAProcessThatConnectsBeforeItIsExpected() throws Exception {
        server();
        UnixSocketTransport client = client();
        client.start(new RecordingListener());
        client.send(heartbeat(1));
        Thread.sleep(100);
        UnixSocketTransport accepted = get(server.expect(ME, "worker", WAIT));
        closeables.add(accepted);
        RecordingListener heard = new RecordingListener();
        accepted.start(heard);
        assertEquals(heartbeat(1), heard.next());
    }

    @Test
    void refusesAnUnexpectedProcessAndTheWorkerItPretendedToBeIsUnaffected() throws Exception {
        server();
        // the worker is a child process: it stays silent a little, then sends a frame and dies
        Process worker = DyingUnixSocketPeer.command(server.path().toString(), TestFrames.encode(heartbeat(9)), 200)
                .start();
        processes.add(worker);
        CompletableFuture<UnixSocketTransport> expected = server.expect(worker.pid(), "worker", WAIT);
        // an impostor (this process, same uid, not the worker's pid) connects and speaks first
        UnixSocketTransport impostor = client();
        RecordingListener impostorHeard = new RecordingListener();
        impostor.start(impostorHeard);
        impostor.send(heartbeat(666));
        // closed with its frame unread: the impostor reads end of stream or a reset
        Termination cut = impostorHeard.termination();
        assertTrue(cut.kind() == Kind.PEER_CLOSED || cut.message().contains("reset"), cut.toString());
        assertEquals(1, refusals.size(), refusals.toString());
        assertTrue(refusals.get(0).contains("pid " + ME) && refusals.get(0).contains("not a process this runtime expects"),
                refusals.get(0));

        UnixSocketTransport accepted = get(expected);
        closeables.add(accepted);
        assertEquals(worker.pid(), accepted.peerCredentials().pid());
        RecordingListener heard = new RecordingListener();
        accepted.start(heard);
        assertEquals(heartbeat(9), heard.next(), "the worker's own frame, not the impostor's");
        assertEquals(Kind.PEER_CLOSED, heard.termination().kind());
    }

    @Test
    void refusesASecondConnectionFromTheSameProcess() throws Exception {
        server();
        Connected c = connectExpected();
        UnixSocketTransport first = c.client();
        UnixSocketTransport accepted = c.accepted();
        UnixSocketTransport second = client();
        RecordingListener secondHeard = new RecordingListener();
        second.start(secondHeard);
        assertEquals(Kind.PEER_CLOSED, secondHeard.termination().kind());
        assertTrue(refusals.get(0).contains("already connected"), refusals.toString());

        RecordingListener heard = new RecordingListener();
        accepted.start(heard);
        first.start(new RecordingListener());
        first.send(heartbeat(1));
        assertEquals(heartbeat(1), heard.next(), "the first connection is unaffected");
    }

    @Test
    void dropsAnAdmittedPeerThatSendsNothing() throws Exception {
        server();
        CompletableFuture<UnixSocketTransport> expected = server.expect(ME, "worker", WAIT);
        UnixSocketTransport client = client();
        client.start(new RecordingListener());
        UnixSocketTransport accepted = get(expected);
        closeables.add(accepted);
        RecordingListener heard = new RecordingListener();
        long start = System.nanoTime();
        accepted.start(heard);
        Termination t = heard.termination();
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(Kind.IO_ERROR, t.kind(), t.toString());
        assertTrue(t.message().contains("no whole frame within 500 ms"), t.message());
        assertInstanceOf(UnixSocketTransport.HandshakeTimeoutException.class, t.cause());
        assertTrue(tookMillis < 5_000, "took " + tookMillis + " ms");
        assertEquals(Kind.PEER_CLOSED, client.termination().get(WAIT.toMillis(), TimeUnit.MILLISECONDS).kind());
    }

    @Test
    void dropsAnAdmittedPeerThatSendsAFrameHeaderAndStops() throws Exception {
        server();
        CompletableFuture<UnixSocketTransport> expected = server.expect(ME, "worker", WAIT);
        try (AFUNIXSocket raw = AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(server.path().toFile()))) {
            OutputStream out = raw.getOutputStream();
            out.write(new byte[] {5, 0x5a}); // the length of a 5-byte frame, and one byte of it
            out.flush();
            UnixSocketTransport accepted = get(expected);
            closeables.add(accepted);
            RecordingListener heard = new RecordingListener();
            accepted.start(heard);
            Termination t = heard.termination();
            assertEquals(Kind.IO_ERROR, t.kind(), t.toString());
            assertTrue(t.message().contains("handshake timeout"), t.message());
            assertEquals(-1, raw.getInputStream().read(), "the peer is disconnected");
        }
    }

    @Test
    void dropsAnUnexpectedPeerThatSendsNothingWithinTheHandshakeTimeout() throws Exception {
        server();
        long start = System.nanoTime();
        UnixSocketTransport client = client();
        client.start(new RecordingListener());
        assertEquals(Kind.PEER_CLOSED, client.termination().get(WAIT.toMillis(), TimeUnit.MILLISECONDS).kind());
        assertTrue((System.nanoTime() - start) / 1_000_000 < 5_000);
        assertEquals(1, refusals.size());
    }

    @Test
    void refusesAPeerRunningAsAnotherUser() throws Exception {
        assumeTrue(PeerAuthentication.currentUid() == 0, "needs root to run a child as another user");
        assumeTrue(new File("/usr/bin/setpriv").canExecute(), "needs setpriv(1)");
        // a socket others may reach: a world-writable folder
        Path open = Files.createDirectory(tmp.resolve("open"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        server = UnixSocketServer.bind(open.resolve("s"), MAX, HANDSHAKE);
        dir = RuntimeDirectory.create(tmp);
        server.onRefusal(refusals::add);
        Files.setPosixFilePermissions(server.path(), PosixFilePermissions.fromString("rw-rw-rw-"));
        Path source = open.resolve("Connect.java");
        Files.writeString(source, """
                import java.net.UnixDomainSocketAddress;
                import java.nio.ByteBuffer;
                import java.nio.channels.SocketChannel;
                public class Connect {
                    public static void main(String[] args) throws Exception {
                        SocketChannel s = SocketChannel.open(UnixDomainSocketAddress.of(args[0]));
                        s.write(ByteBuffer.wrap(new byte[] {4, 0x5a, 2, 8, 1}));
                        System.out.println(s.read(ByteBuffer.allocate(16)));
                    }
                }
                """, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(source, PosixFilePermissions.fromString("rw-r--r--"));
        Process nobody = new ProcessBuilder("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                System.getProperty("java.home") + "/bin/java", source.toString(), server.path().toString())
                .redirectErrorStream(true).start();
        processes.add(nobody);
        CompletableFuture<UnixSocketTransport> expected = server.expect(nobody.pid(), "worker", WAIT);
        assertTrue(nobody.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        String said = new String(nobody.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(said.equals("-1") || said.contains("Connection reset"), "the other user's connection is closed unread: " + said);
        assertTrue(refusals.get(0).contains("runs as uid 65534, not as this runtime's uid 0"), refusals.toString());
        assertFalse(expected.isDone(), "the expectation is still open for the real worker");
    }

    @Test
    void expectingAProcessThatNeverConnectsTimesOutNamingIt() throws Exception {
        server();
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> get(server.expect(999_999_999L, "worker", Duration.ofMillis(200))));
        SocketTimeoutException timeout = assertInstanceOf(SocketTimeoutException.class, e.getCause());
        assertTrue(timeout.getMessage().contains("999999999") && timeout.getMessage().contains(server.path().toString()),
                timeout.getMessage());
    }

    @Test
    void refusesASocketPathTooLongForSunPath() {
        Path longPath = tmp.resolve("x".repeat(120));
        IOException e = assertThrows(IOException.class, () -> UnixSocketServer.bind(longPath, MAX, HANDSHAKE));
        assertTrue(e.getMessage().contains(longPath.toString()) && e.getMessage().contains("under 108 bytes"),
                e.getMessage());
        e = assertThrows(IOException.class, () -> UnixSocketTransport.connect(longPath, "c", MAX));
        assertTrue(e.getMessage().contains("sun_path"), e.getMessage());
    }

    @Test
    void refusesAPathThatExistsOrAFolderThatDoesNot() throws Exception {
        Path taken = Files.writeString(tmp.resolve("taken"), "x");
        IOException e = assertThrows(IOException.class, () -> UnixSocketServer.bind(taken, MAX, HANDSHAKE));
        assertTrue(e.getMessage().contains(taken.toString()) && e.getMessage().contains("already exists"), e.getMessage());
        Path nowhere = tmp.resolve("missing/s");
        e = assertThrows(IOException.class, () -> UnixSocketServer.bind(nowhere, MAX, HANDSHAKE));
        assertTrue(e.getMessage().contains(nowhere.toString()), e.getMessage());
        e = assertThrows(IOException.class, () -> UnixSocketTransport.connect(tmp.resolve("none"), "c", MAX));
        assertTrue(e.getMessage().contains(tmp.resolve("none").toString()), e.getMessage());
    }

    @Test
    void closingFailsPendingExpectations() throws Exception {
        server();
        CompletableFuture<UnixSocketTransport> expected = server.expect(999_999_999L, "worker", WAIT);
        server.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> get(expected));
        assertTrue(e.getCause().getMessage().contains("closed before worker connected"), e.getCause().getMessage());
        Awaitility.await().atMost(WAIT).until(() -> !Files.exists(server.path()));
    }

    @Test
    void checksTokensInConstantTimeAndCredentials() {
        String token = PeerAuthentication.newToken();
        assertTrue(PeerAuthentication.tokenMatches(token, token.getBytes(StandardCharsets.UTF_8)));
        assertFalse(PeerAuthentication.tokenMatches(token, "wrong".getBytes(StandardCharsets.UTF_8)));
        assertFalse(PeerAuthentication.tokenMatches(token, new byte[0]));
        PeerCredentials peer = new PeerCredentials(42, 1000, 1000);
        assertNull(PeerAuthentication.refusal(peer, 42, 1000));
        assertTrue(PeerAuthentication.refusal(peer, 42, 0).contains("runs as uid 1000, not uid 0"));
        assertTrue(PeerAuthentication.refusal(peer, 43, 1000).contains("is not process 43"));
    }
}
