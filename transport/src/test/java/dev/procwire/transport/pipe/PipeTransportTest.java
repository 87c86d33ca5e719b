package dev.procwire.transport.pipe;

import static dev.procwire.transport.TestFrames.heartbeat;
import static dev.procwire.transport.TestFrames.output;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procwire.proto.v1.ErrorCode;
import dev.procwire.proto.v1.Frame;
import dev.procwire.transport.ConcurrentSenders;
import dev.procwire.transport.FrameLimits;
import dev.procwire.transport.RecordingListener;
import dev.procwire.transport.Termination;
import dev.procwire.transport.Termination.Kind;
import dev.procwire.transport.Transport;
import dev.procwire.transport.TransportException;
import dev.procwire.transport.internal.EventLoops;
import dev.procwire.transport.stream.FrameReader;
import io.netty.util.concurrent.EventExecutor;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link PipeTransport} over real pipes to a real child process. */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PipeTransportTest {
    private static final int MAX = FrameLimits.DEFAULT_MAX_FRAME_BYTES;
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    private final List<Process> processes = new ArrayList<>();
    private final List<PipeTransport> transports = new ArrayList<>();

    /** A transport to a child process running {@code command}, and the child. */
    private record Peer(PipeTransport transport, Process process, RecordingListener listener) {}

    private Peer spawn(int max, String... command) throws IOException {
        return spawn(max, new RecordingListener(), command);
    }

    private Peer spawn(int max, Transport.Listener listener, String... command) throws IOException {
        ChildPipes pipes = ChildPipes.open();
        Process process;
        try {
            process = new ProcessBuilder(command)
                    .redirectInput(pipes.childInput())
                    .redirectOutput(pipes.childOutput())
                    .redirectError(Redirect.INHERIT)
                    .start();
        } catch (IOException | RuntimeException e) {
            pipes.close();
            throw e;
        }
        processes.add(process);
        pipes.closeChildEnds();
        PipeTransport transport = pipes.transport("pipe to " + command[0], max);
        transports.add(transport);
        transport.start(listener);
        return new Peer(transport, process, listener instanceof RecordingListener r ? r : null);
    }

    private Peer cat() throws IOException {
        return spawn(MAX, "cat");
    }

    /** A child that writes {@code printfFormat} (octal escapes allowed) to its output, then sleeps. */
    private Peer writer(String printfFormat) throws IOException {
        return spawn(MAX, "sh", "-c", "printf '" + printfFormat + "'; exec sleep 5");
    }

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (PipeTransport transport : transports) {
            transport.close();
        }
        for (Process process : processes) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static Termination terminationOf(Peer peer) throws Exception {
        Termination t = peer.transport().termination().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(t, peer.listener().termination(), "the listener is told what termination() says");
        return t;
    }

    private static void awaitExit(Process process) throws InterruptedException {
        assertTrue(process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS), "child did not exit");
    }

    private static void join(List<CompletableFuture<Void>> sends) throws Exception {
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Test
    void pipesThatFillUpWithLargeFramesGrowToOneMebibyteAndSmallFramesLeaveThemAsTheyAre() throws Exception {
        Peer small = cat();
        for (int i = 0; i < 1000; i++) {
            small.transport().send(heartbeat(i));
        }
        small.listener().next(1000);
        assertEquals(List.of(65536, 65536), sizes(small), "pipes that never filled up");

        Peer large = cat();
        Frame frame = output(4 << 20, 7);
        for (int i = 0; i < 3; i++) { // cat echoes each: both pipes fill up
            large.transport().send(frame);
            assertEquals(frame, large.listener().next());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20); // JNA loads on a thread of its own
        while (!sizes(large).equals(List.of(1 << 20, 1 << 20)) && System.nanoTime() < deadline) {
            large.transport().send(frame);
            assertEquals(frame, large.listener().next());
        }
        assertEquals(List.of(1 << 20, 1 << 20), sizes(large), "read and write pipe of a bulk transfer");
        assertEquals(List.of(65536, 65536), sizes(small), "the other transport's pipes");
    }

    private static List<Integer> sizes(Peer peer) {
        int[] s = peer.transport().pipeSizes();
        return List.of(s[0], s[1]);
    }

    @Test
    void echoesTenThousandSmallFramesInOrder() throws Exception {
        Peer peer = cat();
        int n = 10_000;
        List<CompletableFuture<Void>> sends = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            sends.add(peer.transport().send(heartbeat(i)));
        }
        List<Frame> got = peer.listener().next(n);
        for (int i = 0; i < n; i++) {
            assertEquals(heartbeat(i), got.get(i), "frame " + i);
        }
        join(sends);
    }

    @Test
    void echoesOneLargeFrame() throws Exception {
        Peer peer = cat();
        Frame large = output(8 << 20, 8);
        peer.transport().send(large).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(large, peer.listener().next());
        // and the connection is still good afterwards
        peer.transport().send(heartbeat(1));
        assertEquals(heartbeat(1), peer.listener().next());
    }

    @Test
    void keepsEachSendersOrderWithFourConcurrentSenders() throws Exception {
        Peer peer = cat();
        int threads = 4;
        int perThread = 2_500;
        List<CompletableFuture<Void>> all = ConcurrentSenders.send(peer.transport(), threads, perThread, WAIT);
        List<Frame> got = peer.listener().next(threads * perThread);
        join(all);
        ConcurrentSenders.assertEachSendersOrder(got, threads, perThread);
    }

    @Test
    void gracefulShutdownFlushesEverythingAndEndsWhenThePeerCloses() throws Exception {
        Peer peer = cat();
        int n = 1_000;
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            sends.add(peer.transport().send(i == n / 2 ? output(1 << 20, i) : heartbeat(i)));
        }
        peer.transport().shutdown();

        Termination t = terminationOf(peer);
        assertEquals(Kind.LOCAL_SHUTDOWN, t.kind(), t.toString());
        assertTrue(t.isClean());
        join(sends);
        // cat saw end of stream on its input and exited normally, having echoed everything
        awaitExit(peer.process());
        assertEquals(0, peer.process().exitValue());
        List<Frame> got = peer.listener().drain();
        assertEquals(n, got.size());
        for (int i = 0; i < n; i++) {
            assertEquals(i == n / 2 ? output(1 << 20, i) : heartbeat(i), got.get(i));
        }
        peer.listener().assertContractKept();
    }

    @Test
    void sendAfterShutdownFails() throws Exception {
        Peer peer = cat();
        peer.transport().shutdown();
        peer.transport().shutdown(); // idempotent
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> peer.transport().send(heartbeat(1)).get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        TransportException cause = assertInstanceOf(TransportException.class, e.getCause());
        assertEquals(Kind.LOCAL_SHUTDOWN, cause.kind());
        assertEquals(Kind.LOCAL_SHUTDOWN, terminationOf(peer).kind());
        awaitExit(peer.process());
    }

    @Test
    void shutdownNowEndsAtOnceWithTheReason() throws Exception {
        Peer peer = cat();
        for (int i = 0; i < 100; i++) {
            peer.transport().send(heartbeat(i));
        }
        peer.transport().shutdownNow("test is over");
        Termination t = terminationOf(peer);
        assertEquals(Kind.LOCAL_SHUTDOWN, t.kind());
        assertTrue(t.message().contains("test is over"), t.message());
        // the child's input was closed: it ends
        awaitExit(peer.process());
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> peer.transport().send(heartbeat(1)).get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        assertInstanceOf(TransportException.class, e.getCause());
        peer.listener().assertContractKept();
    }

    @Test
    void closingTwiceIsHarmless() throws Exception {
        Peer peer = cat();
        peer.transport().send(heartbeat(1));
        assertEquals(heartbeat(1), peer.listener().next());
        peer.transport().close();
        peer.transport().close();
        assertEquals(Kind.LOCAL_SHUTDOWN, terminationOf(peer).kind());
        peer.transport().close();
        peer.transport().shutdown();
        peer.transport().shutdownNow("again");
        awaitExit(peer.process());
        // give any late second callback a chance to show up before checking there was none
        Thread.sleep(100);
        peer.listener().assertContractKept();
    }

    @Test
    void startingTwiceIsRefused() throws Exception {
        Peer peer = cat();
        assertThrows(IllegalStateException.class, () -> peer.transport().start(new RecordingListener()));
    }

    @Test
    void shutdownBeforeStartTerminatesAtOnce() throws Exception {
        try (ChildPipes pipes = ChildPipes.open()) {
            PipeTransport transport = pipes.transport("never started", MAX);
            transports.add(transport);
            transport.shutdown();
            Termination t = transport.termination().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals(Kind.LOCAL_SHUTDOWN, t.kind());
            transport.close(); // and closing it afterwards is harmless
        }
    }

    @Test
    void closeBeforeStartTerminatesAtOnce() throws Exception {
        try (ChildPipes pipes = ChildPipes.open()) {
            PipeTransport transport = pipes.transport("never started", MAX);
            transports.add(transport);
            transport.close();
            transport.close();
            Termination t = transport.termination().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals(Kind.LOCAL_SHUTDOWN, t.kind());
        }
    }

    /** Runs {@code action} while every event loop is held busy, so no channel gets registered. */
    private static void withEventLoopsHeld(ThrowingRunnable action) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<CountDownLatch> held = new ArrayList<>();
        for (EventExecutor loop : EventLoops.shared()) {
            CountDownLatch running = new CountDownLatch(1);
            held.add(running);
            loop.execute(() -> {
                running.countDown();
                try {
                    release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        try {
            for (CountDownLatch running : held) {
                assertTrue(running.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
            }
            action.run();
        } finally {
            release.countDown();
        }
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void shutdownRightAfterStartIsStillGraceful() throws Exception {
        Peer[] peer = new Peer[1];
        withEventLoopsHeld(() -> {
            peer[0] = cat(); // started, but its registration waits behind the held loop
            peer[0].transport().send(heartbeat(1));
            peer[0].transport().shutdown();
        });
        Termination t = terminationOf(peer[0]);
        assertEquals(Kind.LOCAL_SHUTDOWN, t.kind(), t.toString());
        assertEquals(List.of(heartbeat(1)), peer[0].listener().drain());
        awaitExit(peer[0].process());
        peer[0].listener().assertContractKept();
    }

    @Test
    void closeRightAfterStartEndsWithLocalShutdown() throws Exception {
        Peer[] peer = new Peer[1];
        withEventLoopsHeld(() -> {
            peer[0] = cat();
            peer[0].transport().close();
        });
        Termination t = terminationOf(peer[0]);
        assertEquals(Kind.LOCAL_SHUTDOWN, t.kind(), t.toString());
        awaitExit(peer[0].process());
        peer[0].listener().assertContractKept();
    }

    @Test
    void reportsPeerClosedWhenThePeerIsKilled() throws Exception {
        Peer peer = cat();
        peer.transport().send(heartbeat(1));
        assertEquals(heartbeat(1), peer.listener().next());
        peer.process().destroyForcibly();
        Termination t = terminationOf(peer);
        assertEquals(Kind.PEER_CLOSED, t.kind(), t.toString());
        assertTrue(t.isClean());
        peer.listener().assertContractKept();
    }

    @Test
    void reportsPeerClosedWhenThePeerExitsAtAFrameBoundary() throws Exception {
        // 04 5a 02 08 01 = heartbeat{sequence: 1}
        Peer peer = spawn(MAX, "sh", "-c", "printf '\\004\\132\\002\\010\\001'");
        assertEquals(heartbeat(1), peer.listener().next());
        assertEquals(Kind.PEER_CLOSED, terminationOf(peer).kind());
        peer.listener().assertContractKept();
    }

    @Test
    void reportsTruncatedWhenThePeerDiesInsideAFrame() throws Exception {
        // a whole heartbeat, then 2 of the 6 bytes of the next frame
        Peer peer = spawn(MAX, "sh", "-c", "printf '\\004\\132\\002\\010\\001\\005\\132'; exec sleep 0.2");
        assertEquals(heartbeat(1), peer.listener().next());
        Termination t = terminationOf(peer);
        assertEquals(Kind.TRUNCATED, t.kind(), t.toString());
        assertFalse(t.isClean());
        peer.listener().assertContractKept();
    }

    @Test
    void reportsTruncatedWhenThePeerDiesInsideALengthPrefix() throws Exception {
        Peer peer = spawn(MAX, "sh", "-c", "printf '\\200'");
        assertEquals(Kind.TRUNCATED, terminationOf(peer).kind());
    }

    @Test
    void reportsAProtocolErrorForAMalformedBodyAndTellsThePeer() throws Exception {
        Path received = tmp.resolve("received");
        Peer peer = spawn(MAX, "sh", "-c", "printf '\\003\\377\\377\\377'; exec cat > \"$0\"", received.toString());
        Termination t = terminationOf(peer);
        assertEquals(Kind.PROTOCOL_ERROR, t.kind(), t.toString());
        awaitExit(peer.process());
        assertEquals(ErrorCode.PROTOCOL_VIOLATION, protocolErrorReceivedBy(received));
        assertNull(peer.listener().drain().stream().findAny().orElse(null));
        peer.listener().assertContractKept();
    }

    @Test
    void reportsAProtocolErrorForAFrameWithNoBody() throws Exception {
        Path received = tmp.resolve("received");
        Peer peer = spawn(MAX, "sh", "-c", "printf '\\000'; exec cat > \"$0\"", received.toString());
        Termination t = terminationOf(peer);
        assertEquals(Kind.PROTOCOL_ERROR, t.kind(), t.toString());
        awaitExit(peer.process());
        assertEquals(ErrorCode.PROTOCOL_VIOLATION, protocolErrorReceivedBy(received));
    }

    @Test
    void reportsAProtocolErrorForALengthPrefixLongerThanFiveBytes() throws Exception {
        Peer peer = writer("\\200\\200\\200\\200\\200\\001");
        assertEquals(Kind.PROTOCOL_ERROR, terminationOf(peer).kind());
    }

    @Test
    void refusesAnOversizedFrameFromThePeerAndTellsThePeer() throws Exception {
        Path received = tmp.resolve("received");
        // prefix of a 1 GiB frame and no body: the refusal cannot wait for the body
        Peer peer = spawn(MAX, "sh", "-c", "printf '\\200\\200\\200\\200\\004'; exec cat > \"$0\"",
                received.toString());
        Termination t = terminationOf(peer);
        assertEquals(Kind.FRAME_TOO_LARGE, t.kind(), t.toString());
        assertTrue(t.message().contains(FrameLimits.tooLarge(1L << 30, MAX)), t.message());
        awaitExit(peer.process());
        assertEquals(ErrorCode.FRAME_TOO_LARGE, protocolErrorReceivedBy(received));
    }

    @Test
    void deliversNoFrameAfterAProtocolError() throws Exception {
        // a good frame, a malformed one, then another good one
        Peer peer = writer("\\004\\132\\002\\010\\001\\003\\377\\377\\377\\004\\132\\002\\010\\002");
        assertEquals(heartbeat(1), peer.listener().next());
        assertEquals(Kind.PROTOCOL_ERROR, terminationOf(peer).kind());
        assertEquals(List.of(), peer.listener().drain());
        peer.listener().assertContractKept();
    }

    /** The code of the single ProtocolError frame the child wrote to {@code file}. */
    private static ErrorCode protocolErrorReceivedBy(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            FrameReader reader = new FrameReader(in, MAX);
            Frame frame = reader.read();
            assertTrue(frame != null && frame.hasProtocolError(), "expected a ProtocolError, got " + frame);
            assertNull(reader.read(), "nothing after the ProtocolError");
            return frame.getProtocolError().getCode();
        }
    }

    @Test
    void refusesToSendAFrameOverTheMaximumAndWritesNothing() throws Exception {
        Peer peer = spawn(1024, "cat");
        Frame tooLarge = output(2000, 1);
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> peer.transport().send(tooLarge).get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        TransportException cause = assertInstanceOf(TransportException.class, e.getCause());
        assertEquals(Kind.FRAME_TOO_LARGE, cause.kind());
        assertTrue(cause.getMessage().contains(FrameLimits.tooLarge(tooLarge.getSerializedSize(), 1024)));

        // the transport still works, and nothing of the refused frame reached the peer
        peer.transport().send(heartbeat(7));
        peer.transport().shutdown();
        assertEquals(Kind.LOCAL_SHUTDOWN, terminationOf(peer).kind());
        assertEquals(List.of(heartbeat(7)), peer.listener().drain());
    }

    @Test
    void callsOnTerminatedExactlyOnceWhateverEndsIt() throws Exception {
        Peer peer = cat();
        peer.transport().send(heartbeat(1));
        assertEquals(heartbeat(1), peer.listener().next());
        // race every way of ending it
        peer.transport().shutdown();
        peer.process().destroyForcibly();
        peer.transport().shutdownNow("now");
        peer.transport().close();
        terminationOf(peer);
        Thread.sleep(200);
        peer.listener().assertContractKept();
    }

    @Test
    void stillTerminatesWhenTheListenerThrows() throws Exception {
        List<Termination> terminations = new CopyOnWriteArrayList<>();
        PipeTransport transport = spawn(MAX, new Transport.Listener() {
            @Override
            public void onFrame(Frame frame) {
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void onTerminated(Termination termination) {
                terminations.add(termination);
            }
        }, "sh", "-c", "printf '\\004\\132\\002\\010\\001'; exec sleep 5").transport();
        Termination t = transport.termination().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertFalse(t.isClean(), t.toString());
        assertInstanceOf(IllegalStateException.class, t.cause());
        assertEquals(List.of(t), terminations);
    }

    @Test
    void leaksNoFileDescriptors() throws Exception {
        EventLoops.shared(); // created once per JVM, with its own descriptors
        await().atMost(WAIT).until(() -> true); // loads awaitility's classes (and jar) now
        exchangeAndShutDown(); // warms up everything else that opens descriptors once
        long before = openDescriptors();
        for (int i = 0; i < 3; i++) {
            exchangeAndShutDown();
        }
        await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> assertTrue(
                openDescriptors() <= before, "open descriptors: " + openDescriptors() + ", before: " + before));
    }

    private void exchangeAndShutDown() throws Exception {
        Peer peer = cat();
        peer.transport().send(heartbeat(1));
        assertEquals(heartbeat(1), peer.listener().next());
        peer.transport().shutdown();
        terminationOf(peer);
        awaitExit(peer.process());
        Peer killed = cat();
        killed.process().destroyForcibly();
        terminationOf(killed);
        awaitExit(killed.process());
        Peer closed = cat();
        closed.transport().close();
        terminationOf(closed);
        awaitExit(closed.process());
        Peer broken = writer("\\003\\377\\377\\377");
        assertEquals(Kind.PROTOCOL_ERROR, terminationOf(broken).kind());
        broken.process().destroyForcibly();
        awaitExit(broken.process());
    }

    private static long openDescriptors() {
        String[] fds = new File("/proc/self/fd").list();
        return fds == null ? -1 : fds.length;
    }
}
