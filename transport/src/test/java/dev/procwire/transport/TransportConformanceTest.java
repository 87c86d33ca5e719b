package dev.procwire.transport;

import static dev.procwire.transport.TestFrames.heartbeat;
import static dev.procwire.transport.TestFrames.output;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procwire.proto.v1.ErrorCode;
import dev.procwire.proto.v1.Frame;
import dev.procwire.transport.Termination.Kind;
import dev.procwire.transport.internal.EventLoops;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link Transport} must do, whatever carries its bytes. A subclass per transport
 * overrides only the factories: {@link #connect} (a connected pair in this JVM) and
 * {@link #connectToDyingChild} (a real child process that writes some bytes and is killed).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class TransportConformanceTest {
    protected static final int MAX = FrameLimits.DEFAULT_MAX_FRAME_BYTES;
    protected static final Duration WAIT = Duration.ofSeconds(30);

    /** The temp folder of the test; a subclass keeps every file it makes in here. */
    @TempDir
    protected Path tmp;

    private final List<Transport> transports = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    /** Two connected transports, neither started. */
    public record Pair(Transport local, Transport peer) {}

    /**
     * A connected pair in this process: {@code local} refuses frames over {@code localMax},
     * {@code peer} over {@code peerMax}.
     */
    protected abstract Pair connect(int localMax, int peerMax) throws Exception;

    /**
     * An unstarted local transport whose peer is a child process that writes {@code bytes},
     * then is killed with SIGKILL. Add the process with {@link #track(Process)}.
     */
    protected abstract Transport connectToDyingChild(byte[] bytes, int max) throws Exception;

    /** Releases what the subclass holds for the whole test (a runtime folder, a server). */
    protected void closeResources() throws Exception {}

    protected final Process track(Process process) {
        processes.add(process);
        return process;
    }

    protected final <T extends Transport> T track(T transport) {
        transports.add(transport);
        return transport;
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Transport t : transports) {
            t.close();
        }
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        closeResources();
    }

    /** A started pair, each side with a recording listener. */
    record Started(Transport local, RecordingListener localHeard, Transport peer, RecordingListener peerHeard) {}

    private Started started(int localMax, int peerMax) throws Exception {
        Pair pair = connect(localMax, peerMax);
        track(pair.local());
        track(pair.peer());
        RecordingListener localHeard = new RecordingListener();
        RecordingListener peerHeard = new RecordingListener();
        pair.local().start(localHeard);
        pair.peer().start(peerHeard);
        return new Started(pair.local(), localHeard, pair.peer(), peerHeard);
    }

    private Started started() throws Exception {
        return started(MAX, MAX);
    }

    private static Termination terminationOf(Transport t) throws Exception {
        return t.termination().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static void join(List<CompletableFuture<Void>> sends) throws Exception {
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The printf(1) format that writes exactly {@code bytes}: every byte as an octal escape. */
    protected static String printfFormat(byte[] bytes) {
        StringBuilder format = new StringBuilder();
        for (byte b : bytes) {
            format.append('\\').append(Integer.toOctalString(b & 0xff));
        }
        return format.toString();
    }

    @Test
    void keepsTheOrderOfFramesInBothDirections() throws Exception {
        Started s = started();
        int n = 5_000;
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            sends.add(s.local().send(heartbeat(i)));
            sends.add(s.peer().send(heartbeat(n + i)));
        }
        List<Frame> atPeer = s.peerHeard().next(n);
        List<Frame> atLocal = s.localHeard().next(n);
        for (int i = 0; i < n; i++) {
            assertEquals(heartbeat(i), atPeer.get(i), "frame " + i + " at the peer");
            assertEquals(heartbeat(n + i), atLocal.get(i), "frame " + i + " at the local side");
        }
        join(sends);
    }

    @Test
    void carriesManySmallFramesOfEverySize() throws Exception {
        Started s = started();
        int n = 20_000;
        List<Frame> frames = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            frames.add(i % 3 == 0 ? output(i % 300, i) : heartbeat(i));
        }
        List<CompletableFuture<Void>> sends = new ArrayList<>(n);
        for (Frame f : frames) {
            sends.add(s.local().send(f));
        }
        assertEquals(frames, s.peerHeard().next(n));
        join(sends);
    }

    @Test
    void carriesA64MiBFrame() throws Exception {
        int max = (64 << 20) + 1024;
        Started s = started(max, max);
        Frame large = output(64 << 20, 64);
        s.local().send(large).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(large, s.peerHeard().next());
        s.peer().send(large);
        assertEquals(large, s.localHeard().next());
        s.local().send(heartbeat(1)); // and the connection is still good
        assertEquals(heartbeat(1), s.peerHeard().next());
    }

    @Test
    void keepsEachSendersOrderWithFourConcurrentSenders() throws Exception {
        Started s = started();
        int threads = 4;
        int perThread = 2_500;
        List<CompletableFuture<Void>> all = ConcurrentSenders.send(s.local(), threads, perThread, WAIT);
        List<Frame> got = s.peerHeard().next(threads * perThread);
        join(all);
        ConcurrentSenders.assertEachSendersOrder(got, threads, perThread);
    }

    @Test
    void keepsEveryFrameWholeWithConcurrentSendersOfFramesLargerThanTheKernelBuffer() throws Exception {
        // A sender whose frame does not fit leaves the rest to the event loop; the next sender
        // must not cut into it, whichever thread writes.
        Started s = started();
        int threads = 4;
        int perThread = 200;
        java.util.function.IntUnaryOperator size = i -> 100_000 + (i * 7919) % 400_000;
        List<CompletableFuture<Void>> all = ConcurrentSenders.send(s.local(), threads, perThread, WAIT, size);
        List<Frame> got = s.peerHeard().next(threads * perThread);
        join(all);
        ConcurrentSenders.assertEachSendersOrder(got, threads, perThread);
        java.util.Set<Frame> expected = new java.util.HashSet<>();
        for (int t = 0; t < threads; t++) {
            for (int i = 0; i < perThread; i += 10) {
                expected.add(output(size.applyAsInt(i), (long) t * perThread + i));
            }
        }
        assertEquals(expected, got.stream().filter(Frame::hasOutput).collect(java.util.stream.Collectors.toSet()));
    }

    @Test
    void keepsEveryFrameWholeWhenTheListenerThreadSendsBesideOtherThreads() throws Exception {
        // The listener's thread (a Netty transport's event loop) sends a large frame for every
        // frame it hears, while other threads send theirs: however a frame is split between the
        // threads that write it, no other frame may cut into it.
        Pair pair = connect(MAX, MAX);
        track(pair.local());
        track(pair.peer());
        java.util.function.LongFunction<Frame> reply = seq -> output(70_000 + (int) (seq * 7919 % 300_000), seq);
        List<CompletableFuture<Void>> replies = java.util.Collections.synchronizedList(new ArrayList<>());
        pair.local().start(new Transport.Listener() {
            @Override
            public void onFrame(Frame frame) {
                replies.add(pair.local().send(reply.apply(1_000_000 + frame.getHeartbeat().getSequence())));
            }

            @Override
            public void onTerminated(Termination termination) {
            }
        });
        RecordingListener peerHeard = new RecordingListener();
        pair.peer().start(peerHeard);
        int asks = 200;
        int threads = 3;
        int perThread = 100;
        java.util.function.IntUnaryOperator size = i -> 70_000 + (i * 104_729) % 300_000;
        Thread asker = new Thread(() -> {
            for (int i = 0; i < asks; i++) {
                pair.peer().send(heartbeat(i));
            }
        });
        asker.start();
        List<CompletableFuture<Void>> sends = ConcurrentSenders.send(pair.local(), threads, perThread, WAIT, size);
        List<Frame> got = peerHeard.next(asks + threads * perThread);
        asker.join();
        join(sends);
        join(replies);
        java.util.Set<Frame> expected = new java.util.HashSet<>();
        for (int i = 0; i < asks; i++) {
            expected.add(reply.apply(1_000_000 + i));
        }
        for (int t = 0; t < threads; t++) {
            for (int i = 0; i < perThread; i++) {
                expected.add(i % 10 == 0 ? output(size.applyAsInt(i), (long) t * perThread + i)
                        : heartbeat(((long) t << 32) | i));
            }
        }
        assertEquals(expected.size(), got.size());
        assertEquals(expected, new java.util.HashSet<>(got));
    }

    @Test
    void gracefulPeerShutdownIsACleanEndOfStreamAfterEveryFrame() throws Exception {
        Started s = started();
        for (int i = 0; i < 100; i++) {
            s.peer().send(heartbeat(i));
        }
        s.peer().shutdown();
        assertEquals(100, s.localHeard().next(100).size());
        Termination local = terminationOf(s.local());
        assertEquals(Kind.PEER_CLOSED, local.kind(), local.toString());
        assertEquals(local, s.localHeard().termination());
        Termination peer = terminationOf(s.peer());
        assertEquals(Kind.LOCAL_SHUTDOWN, peer.kind(), peer.toString());
        s.localHeard().assertContractKept();
        s.peerHeard().assertContractKept();
    }

    @Test
    void peerCloseEndsTheStreamAndFailsLaterSends() throws Exception {
        Started s = started();
        s.peer().send(heartbeat(1));
        assertEquals(heartbeat(1), s.localHeard().next());
        s.peer().close();
        Termination t = terminationOf(s.local());
        assertEquals(Kind.PEER_CLOSED, t.kind(), t.toString());
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> s.local().send(heartbeat(2)).get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        assertInstanceOf(TransportException.class, e.getCause());
        s.localHeard().assertContractKept();
    }

    @Test
    void reportsTruncatedWhenThePeerDiesInsideAFrame() throws Exception {
        // a whole heartbeat, then 2 of the 6 bytes of the next frame
        Transport local = track(connectToDyingChild(TestFrames.bytes(4, 0x5a, 2, 8, 1, 5, 0x5a), MAX));
        RecordingListener heard = new RecordingListener();
        local.start(heard);
        assertEquals(heartbeat(1), heard.next());
        Termination t = terminationOf(local);
        assertEquals(Kind.TRUNCATED, t.kind(), t.toString());
        assertFalse(t.isClean());
        heard.assertContractKept();
    }

    @Test
    void reportsPeerClosedWhenThePeerDiesAtAFrameBoundary() throws Exception {
        Transport local = track(connectToDyingChild(TestFrames.encode(heartbeat(1), heartbeat(2)), MAX));
        RecordingListener heard = new RecordingListener();
        local.start(heard);
        assertEquals(List.of(heartbeat(1), heartbeat(2)), heard.next(2));
        Termination t = terminationOf(local);
        assertEquals(Kind.PEER_CLOSED, t.kind(), t.toString());
        heard.assertContractKept();
    }

    @Test
    void refusesAFrameOverItsMaximumFromThePeerAndTellsThePeer() throws Exception {
        Started s = started(1024, MAX);
        s.peer().send(output(2000, 1));
        Termination t = terminationOf(s.local());
        assertEquals(Kind.FRAME_TOO_LARGE, t.kind(), t.toString());
        Frame told = s.peerHeard().next();
        assertEquals(ErrorCode.FRAME_TOO_LARGE, told.getProtocolError().getCode());
        s.localHeard().assertContractKept();
    }

    @Test
    void refusesToSendAFrameOverItsMaximumAndStaysUsable() throws Exception {
        Started s = started(1024, MAX);
        Frame tooLarge = output(2000, 1);
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> s.local().send(tooLarge).get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        TransportException cause = assertInstanceOf(TransportException.class, e.getCause());
        assertEquals(Kind.FRAME_TOO_LARGE, cause.kind());
        assertTrue(cause.getMessage().contains(FrameLimits.tooLarge(tooLarge.getSerializedSize(), 1024)),
                cause.getMessage());
        s.local().send(heartbeat(7));
        assertEquals(heartbeat(7), s.peerHeard().next());
        assertEquals(List.of(), s.peerHeard().drain());
    }

    @Test
    void closingTwiceIsHarmless() throws Exception {
        Started s = started();
        s.local().close();
        s.local().close();
        s.local().shutdown();
        s.local().shutdownNow("again");
        Termination t = terminationOf(s.local());
        assertEquals(Kind.LOCAL_SHUTDOWN, t.kind(), t.toString());
        assertEquals(Kind.PEER_CLOSED, terminationOf(s.peer()).kind());
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> s.local().send(heartbeat(1)).get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        assertEquals(Kind.LOCAL_SHUTDOWN, assertInstanceOf(TransportException.class, e.getCause()).kind());
        Thread.sleep(100);
        s.localHeard().assertContractKept();
        s.peerHeard().assertContractKept();
    }

    @Test
    void closingAnUnstartedTransportReleasesIt() throws Exception {
        Pair pair = connect(MAX, MAX);
        track(pair.local());
        track(pair.peer());
        pair.local().close();
        pair.local().close();
        assertEquals(Kind.LOCAL_SHUTDOWN, terminationOf(pair.local()).kind());
        RecordingListener peerHeard = new RecordingListener();
        pair.peer().start(peerHeard);
        assertEquals(Kind.PEER_CLOSED, terminationOf(pair.peer()).kind());
    }

    @Test
    void leavesNoDescriptorAndNoFileBehind() throws Exception {
        EventLoops.shared(); // created once per JVM, with its own descriptors
        await().atMost(WAIT).until(() -> true); // loads awaitility's classes (and jar) now
        exchangeAndClose(); // warms up whatever opens descriptors once (libraries, the subclass's server)
        long before = openDescriptors();
        List<String> filesBefore = filesUnder(tmp);
        for (int i = 0; i < 3; i++) {
            exchangeAndClose();
        }
        await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            assertTrue(openDescriptors() <= before, "open descriptors: " + openDescriptors() + ", before: " + before);
            assertEquals(filesBefore, filesUnder(tmp), "files in " + tmp);
        });
        closeResources();
        assertEquals(List.of(), filesUnder(tmp), "files left in " + tmp + " once everything is closed");
    }

    private void exchangeAndClose() throws Exception {
        Started graceful = started();
        graceful.local().send(heartbeat(1));
        assertEquals(heartbeat(1), graceful.peerHeard().next());
        graceful.peer().send(heartbeat(2));
        assertEquals(heartbeat(2), graceful.localHeard().next());
        graceful.local().shutdown();
        terminationOf(graceful.local());
        terminationOf(graceful.peer());

        Started closed = started();
        closed.peer().close();
        terminationOf(closed.local());
        terminationOf(closed.peer());

        Transport dying = track(connectToDyingChild(TestFrames.bytes(4, 0x5a, 2, 8), MAX));
        dying.start(new RecordingListener());
        assertEquals(Kind.TRUNCATED, terminationOf(dying).kind());
        for (Process p : processes) {
            p.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private static long openDescriptors() {
        String[] fds = new File("/proc/self/fd").list();
        return fds == null ? -1 : fds.length;
    }

    /** Every path under {@code root}, relative and sorted. */
    protected static List<String> filesUnder(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> !p.equals(root)).map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }
}
