package dev.procwire.transport.stream;

import static dev.procwire.transport.TestFrames.bytes;
import static dev.procwire.transport.TestFrames.concat;
import static dev.procwire.transport.TestFrames.encode;
import static dev.procwire.transport.TestFrames.heartbeat;
import static dev.procwire.transport.TestFrames.output;
import static dev.procwire.transport.TestFrames.varint;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
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
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.lang.ProcessBuilder.Redirect;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class StreamTransportTest {
    private static final int MAX = FrameLimits.DEFAULT_MAX_FRAME_BYTES;
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final List<Process> processes = new ArrayList<>();
    private final List<StreamTransport> transports = new ArrayList<>();

    private record Peer(StreamTransport transport, Process process, RecordingListener listener) {}

    /** A started transport over the standard input and output of a child running {@code command}. */
    private Peer spawn(String... command) throws IOException {
        Process process = new ProcessBuilder(command).redirectError(Redirect.INHERIT).start();
        processes.add(process);
        StreamTransport transport = new StreamTransport(process.getInputStream(), process.getOutputStream(),
                "stream to " + command[0], MAX);
        transports.add(transport);
        RecordingListener listener = new RecordingListener();
        transport.start(listener);
        return new Peer(transport, process, listener);
    }

    /** A started transport reading {@code input}, writing into {@code output}. */
    private RecordingListener start(InputStream input, ByteArrayOutputStream output) {
        StreamTransport transport = new StreamTransport(input, output, "test stream", MAX);
        transports.add(transport);
        RecordingListener listener = new RecordingListener();
        transport.start(listener);
        return listener;
    }

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (StreamTransport transport : transports) {
            transport.close();
        }
        for (Process process : processes) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static Termination terminationOf(Peer peer) throws Exception {
        Termination t = peer.transport().termination().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(t, peer.listener().termination());
        return t;
    }

    private static void awaitExit(Process process) throws InterruptedException {
        assertTrue(process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS), "child did not exit");
    }

    private static List<Frame> framesIn(byte[] written) throws IOException {
        FrameReader reader = new FrameReader(new ByteArrayInputStream(written), MAX);
        List<Frame> frames = new ArrayList<>();
        for (Frame frame; (frame = reader.read()) != null; ) {
            frames.add(frame);
        }
        return frames;
    }

    // ---- through a real cat process

    @Test
    void roundTripsFramesThroughCatInOrder() throws Exception {
        Peer peer = spawn("cat");
        List<Frame> sent = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            sent.add(i % 500 == 250 ? output(i * 1000, i) : heartbeat(i));
        }
        sent.add(output(4 << 20, 4));
        // cat echoes as it reads, so a sender that never reads could fill both pipes: send from
        // one thread while the transport's reader thread drains the echo
        CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
            for (Frame frame : sent) {
                peer.transport().send(frame).join();
            }
        });
        assertEquals(sent, peer.listener().next(sent.size()));
        sending.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);

        peer.transport().shutdown();
        Termination t = terminationOf(peer);
        assertEquals(Kind.LOCAL_SHUTDOWN, t.kind(), t.toString());
        awaitExit(peer.process());
        assertEquals(0, peer.process().exitValue());
        peer.listener().assertContractKept();
    }

    @Test
    void writesEachFrameWholeWithFourConcurrentSenders() throws Exception {
        Peer peer = spawn("cat");
        int threads = 4;
        int perThread = 1_000;
        List<CompletableFuture<Void>> sends = ConcurrentSenders.send(peer.transport(), threads, perThread, WAIT);
        List<Frame> got = peer.listener().next(threads * perThread);
        for (CompletableFuture<Void> sent : sends) {
            sent.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
        ConcurrentSenders.assertEachSendersOrder(got, threads, perThread);
    }

    @Test
    void writeAfterShutdownFails() throws Exception {
        Peer peer = spawn("cat");
        peer.transport().send(heartbeat(1)).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        peer.transport().shutdown();
        peer.transport().shutdown(); // idempotent

        ExecutionException e = assertThrows(ExecutionException.class,
                () -> peer.transport().send(heartbeat(2)).get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        assertEquals(Kind.LOCAL_SHUTDOWN, assertInstanceOf(TransportException.class, e.getCause()).kind());
        TransportException direct = assertThrows(TransportException.class, () -> peer.transport().write(heartbeat(3)));
        assertEquals(Kind.LOCAL_SHUTDOWN, direct.kind());

        // reading goes on until the peer closes: the frame sent before shutdown still comes back
        assertEquals(heartbeat(1), peer.listener().next());
        assertEquals(Kind.LOCAL_SHUTDOWN, terminationOf(peer).kind());
        awaitExit(peer.process());
        assertEquals(List.of(), peer.listener().drain());
        peer.listener().assertContractKept();
    }

    @Test
    void shutdownNowEndsWithTheReason() throws Exception {
        Peer peer = spawn("cat");
        peer.transport().send(heartbeat(1));
        assertEquals(heartbeat(1), peer.listener().next());
        peer.transport().shutdownNow("test is over");
        Termination t = terminationOf(peer);
        assertEquals(Kind.LOCAL_SHUTDOWN, t.kind());
        assertTrue(t.message().contains("test is over"), t.message());
        awaitExit(peer.process());
        assertThrows(TransportException.class, () -> peer.transport().write(heartbeat(2)));
        peer.transport().close(); // harmless afterwards
        peer.listener().assertContractKept();
    }

    @Test
    void reportsPeerClosedWhenThePeerIsKilled() throws Exception {
        Peer peer = spawn("cat");
        peer.transport().send(heartbeat(1));
        assertEquals(heartbeat(1), peer.listener().next());
        // SIGKILL through the handle: Process.destroyForcibly() would also close our ends of its
        // pipes, and the transport would see its own input closed instead of the peer's death
        assertTrue(peer.process().toHandle().destroyForcibly());
        Termination t = terminationOf(peer);
        assertEquals(Kind.PEER_CLOSED, t.kind(), t.toString());
        peer.listener().assertContractKept();
    }

    @Test
    void reportsTruncatedWhenThePeerDiesInsideAFrame() throws Exception {
        Peer peer = spawn("sh", "-c", "printf '\\004\\132\\002\\010\\001\\005\\132'; exec sleep 0.2");
        assertEquals(heartbeat(1), peer.listener().next());
        Termination t = terminationOf(peer);
        assertEquals(Kind.TRUNCATED, t.kind(), t.toString());
        peer.listener().assertContractKept();
    }

    @Test
    void startingTwiceIsRefused() throws Exception {
        Peer peer = spawn("cat");
        assertThrows(IllegalStateException.class, () -> peer.transport().start(new RecordingListener()));
    }

    // ---- over in-memory streams, for exact bytes

    @Test
    void deliversFramesThenReportsPeerClosedAtACleanEnd() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RecordingListener listener = start(new ByteArrayInputStream(encode(heartbeat(1), output(100, 2))), out);
        assertEquals(List.of(heartbeat(1), output(100, 2)), listener.next(2));
        Termination t = listener.termination();
        assertEquals(Kind.PEER_CLOSED, t.kind());
        assertTrue(t.isClean());
        assertEquals(0, out.size(), "nothing sent back");
        listener.assertContractKept();
    }

    @Test
    void reportsTruncatedWithoutAnsweringThePeer() throws Exception {
        byte[] wire = encode(heartbeat(1), output(100, 2));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RecordingListener listener = start(new ByteArrayInputStream(wire, 0, wire.length - 1), out);
        assertEquals(heartbeat(1), listener.next());
        assertEquals(Kind.TRUNCATED, listener.termination().kind());
        assertEquals(0, out.size(), "a truncated frame means the peer died: no ProtocolError");
        listener.assertContractKept();
    }

    @Test
    void reportsAProtocolErrorForAMalformedBodyAndTellsThePeer() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RecordingListener listener = start(new ByteArrayInputStream(bytes(0x03, 0xff, 0xff, 0xff)), out);
        Termination t = listener.termination();
        assertEquals(Kind.PROTOCOL_ERROR, t.kind(), t.toString());
        List<Frame> answer = framesIn(out.toByteArray());
        assertEquals(1, answer.size());
        assertEquals(ErrorCode.PROTOCOL_VIOLATION, answer.get(0).getProtocolError().getCode());
        listener.assertContractKept();
    }

    @Test
    void reportsAProtocolErrorForALengthPrefixLongerThanFiveBytes() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RecordingListener listener = start(new ByteArrayInputStream(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x01)), out);
        assertEquals(Kind.PROTOCOL_ERROR, listener.termination().kind());
        assertEquals(ErrorCode.PROTOCOL_VIOLATION, framesIn(out.toByteArray()).get(0).getProtocolError().getCode());
    }

    @Test
    void refusesAnOversizedFrameUnreadAndTellsThePeer() throws Exception {
        byte[] prefix = varint(1L << 30);
        AtomicBoolean readPastPrefix = new AtomicBoolean();
        InputStream in = new InputStream() {
            private int pos;

            @Override
            public int read() {
                if (pos < prefix.length) {
                    return prefix[pos++] & 0xff;
                }
                readPastPrefix.set(true);
                return -1;
            }
        };
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RecordingListener listener = start(in, out);
        Termination t = listener.termination();
        assertEquals(Kind.FRAME_TOO_LARGE, t.kind(), t.toString());
        assertFalse(readPastPrefix.get(), "the body of an oversized frame must not be read");
        assertEquals(ErrorCode.FRAME_TOO_LARGE, framesIn(out.toByteArray()).get(0).getProtocolError().getCode());
    }

    @Test
    void reportsAnIoErrorOfTheInput() throws Exception {
        InputStream in = new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("device unplugged");
            }
        };
        RecordingListener listener = start(in, new ByteArrayOutputStream());
        Termination t = listener.termination();
        assertEquals(Kind.IO_ERROR, t.kind());
        assertTrue(t.message().contains("device unplugged"), t.message());
        listener.assertContractKept();
    }

    @Test
    void deliversAFrameWithOnlyUnknownFields() throws Exception {
        // field 99 (varint) = 1: a body this version does not know; the session layer decides
        byte[] unknown = bytes(0x98, 0x06, 0x01);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RecordingListener listener = start(new ByteArrayInputStream(concat(varint(unknown.length), unknown)), out);
        Frame frame = listener.next();
        assertEquals(Frame.BodyCase.BODY_NOT_SET, frame.getBodyCase());
        assertFalse(frame.getUnknownFields().asMap().isEmpty());
        assertEquals(Kind.PEER_CLOSED, listener.termination().kind());
    }

    @Test
    void writesVarintDelimitedFrames() throws Exception {
        PipedOutputStream peerEnd = new PipedOutputStream();
        PipedInputStream idle = new PipedInputStream(peerEnd); // nothing arrives until closed
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StreamTransport transport = new StreamTransport(idle, out, "test stream", MAX);
        transports.add(transport);
        RecordingListener listener = new RecordingListener();
        transport.start(listener);
        transport.send(heartbeat(1)).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        transport.write(output(300, 3));
        // PROTOCOL.md, "Framing": Frame{heartbeat{sequence: 1}} is 04 5a 02 08 01.
        assertArrayEquals(concat(bytes(0x04, 0x5a, 0x02, 0x08, 0x01), encode(output(300, 3))), out.toByteArray());
        peerEnd.close();
        assertEquals(Kind.PEER_CLOSED, listener.termination().kind());
    }

    @Test
    void refusesToSendAFrameOverTheMaximumAndWritesNothing() throws Exception {
        PipedOutputStream peerEnd = new PipedOutputStream();
        PipedInputStream idle = new PipedInputStream(peerEnd);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StreamTransport transport = new StreamTransport(idle, out, "test stream", 1024);
        transports.add(transport);
        RecordingListener listener = new RecordingListener();
        transport.start(listener);

        Frame tooLarge = output(2000, 1);
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> transport.send(tooLarge).get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        TransportException cause = assertInstanceOf(TransportException.class, e.getCause());
        assertEquals(Kind.FRAME_TOO_LARGE, cause.kind());
        assertTrue(cause.getMessage().contains(FrameLimits.tooLarge(tooLarge.getSerializedSize(), 1024)));
        assertEquals(0, out.size());
        // the transport is still usable
        transport.send(heartbeat(1)).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(List.of(heartbeat(1)), framesIn(out.toByteArray()));
        peerEnd.close();
        listener.termination();
    }

    @Test
    void refusesAFrameWithNoBodyLikeTheEventLoopTransportDoes() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RecordingListener listener = start(new ByteArrayInputStream(bytes(0x00)), out);
        Termination t = listener.termination();
        assertEquals(Kind.PROTOCOL_ERROR, t.kind(), t.toString());
        assertTrue(t.message().contains("no body"), t.message());
        assertEquals(ErrorCode.PROTOCOL_VIOLATION, framesIn(out.toByteArray()).get(0).getProtocolError().getCode());
        listener.assertContractKept();
    }

    @Test
    void shutdownBeforeStartTerminatesAtOnce() throws Exception {
        StreamTransport transport = new StreamTransport(new ByteArrayInputStream(new byte[0]),
                new ByteArrayOutputStream(), "never started", MAX);
        transport.shutdown();
        assertEquals(Kind.LOCAL_SHUTDOWN, transport.termination().get(WAIT.toMillis(), TimeUnit.MILLISECONDS).kind());
    }

    @Test
    void shutdownNowBeforeStartTerminatesAtOnce() throws Exception {
        StreamTransport transport = new StreamTransport(new ByteArrayInputStream(new byte[0]),
                new ByteArrayOutputStream(), "never started", MAX);
        transport.shutdownNow("unused");
        Termination t = transport.termination().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(Kind.LOCAL_SHUTDOWN, t.kind());
        assertThrows(TransportException.class, () -> transport.write(heartbeat(1)));
    }

    @Test
    void stillTerminatesWhenTheListenerThrows() throws Exception {
        List<Termination> terminations = new CopyOnWriteArrayList<>();
        StreamTransport transport = new StreamTransport(new ByteArrayInputStream(encode(heartbeat(1), heartbeat(2))),
                new ByteArrayOutputStream(), "test stream", MAX);
        transports.add(transport);
        transport.start(new Transport.Listener() {
            @Override
            public void onFrame(Frame frame) {
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void onTerminated(Termination termination) {
                terminations.add(termination);
            }
        });
        Termination t = transport.termination().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertFalse(t.isClean(), t.toString());
        assertInstanceOf(IllegalStateException.class, t.cause());
        assertEquals(List.of(t), terminations);
    }

    @Test
    void rejectsANonPositiveMaximum() {
        assertThrows(IllegalArgumentException.class, () -> new StreamTransport(
                new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(), "bad", 0));
    }

    /** Records each frame's sequence and thread; on frame 1 runs work that lasts {@code work1}. */
    private static final class WorkingListener implements Transport.Listener {
        final List<Long> sequences = new CopyOnWriteArrayList<>();
        final List<Thread> threads = new CopyOnWriteArrayList<>();
        final CompletableFuture<Void> workDone = new CompletableFuture<>();
        final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        final java.util.concurrent.CountDownLatch all;
        StreamTransport transport;
        final boolean slow;

        WorkingListener(int expected, boolean slow) {
            this.all = new java.util.concurrent.CountDownLatch(expected);
            this.slow = slow;
        }

        @Override
        public void onFrame(Frame frame) {
            sequences.add(frame.getHeartbeat().getSequence());
            threads.add(Thread.currentThread());
            all.countDown();
            if (frame.getHeartbeat().getSequence() == 1) {
                transport.keepReadingUnlessSlow();
                if (slow) {
                    try {
                        release.await(); // still working long after the hand-off delay
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                workDone.complete(null);
            }
        }

        @Override
        public void onTerminated(Termination termination) {
        }
    }

    /** Work keeps the reading thread for {@code handoffMillis}: the tests' work is far shorter or far longer. */
    private StreamTransport started(InputStream input, WorkingListener listener, long handoffMillis) {
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newCachedThreadPool();
        StreamTransport transport = new StreamTransport(input, new ByteArrayOutputStream(), "working stream", MAX, threads,
                TimeUnit.MILLISECONDS.toNanos(handoffMillis));
        transports.add(transport);
        listener.transport = transport;
        transport.start(listener);
        return transport;
    }

    @Test
    void shortWorkOnTheReadingThreadKeepsThatThreadReading() throws Exception {
        WorkingListener listener = new WorkingListener(3, false);
        // 10 s: the short work must not be outlasted by a pause of this busy machine
        started(new ByteArrayInputStream(encode(heartbeat(1), heartbeat(2), heartbeat(3))), listener, 10_000);
        assertTrue(listener.all.await(30, TimeUnit.SECONDS));
        assertEquals(List.of(1L, 2L, 3L), listener.sequences);
        assertEquals(1, listener.threads.stream().distinct().count(), "one thread read all: " + listener.threads);
    }

    @Test
    void slowWorkHandsReadingToAnotherThreadAndNoFrameIsReadTwice() throws Exception {
        PipedOutputStream feed = new PipedOutputStream();
        PipedInputStream input = new PipedInputStream(feed, 1 << 16);
        WorkingListener listener = new WorkingListener(3, true);
        started(input, listener, 1);
        feed.write(encode(heartbeat(1)));
        feed.flush();
        Thread.sleep(50);
        feed.write(encode(heartbeat(2), heartbeat(3)));
        feed.flush();
        // frames 2 and 3 arrive while the work on frame 1 still holds its thread
        assertTrue(listener.all.await(30, TimeUnit.SECONDS), "later frames were not read while work ran: "
                + listener.sequences);
        assertFalse(listener.workDone.isDone());
        assertTrue(listener.threads.get(1) != listener.threads.get(0), "another thread reads on");
        listener.release.countDown();
        listener.workDone.get(30, TimeUnit.SECONDS);
        feed.write(encode(heartbeat(4)));
        feed.flush();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (listener.sequences.size() < 4 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        Thread.sleep(100); // a second reader, if there were one, would deliver something twice now
        assertEquals(List.of(1L, 2L, 3L, 4L), listener.sequences);
    }

    /**
     * What the reading thread sends is written before it reads on: a pool counts the tasks whose
     * answers have not come as not started when their worker dies (PoolCore.exited), so an
     * answer held back while the next buffered task runs would, if the worker died then, fail a
     * task that had succeeded and run again one that had begun.
     */
    @Test
    void anAnswerIsWrittenBeforeTheNextBufferedWorkBegins() throws Exception {
        java.util.concurrent.CountDownLatch secondBegan = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StreamTransport[] self = new StreamTransport[1];
        StreamTransport transport = new StreamTransport(new ByteArrayInputStream(encode(heartbeat(1), heartbeat(2))),
                out, "answering stream", MAX, java.util.concurrent.Executors.newCachedThreadPool(),
                TimeUnit.SECONDS.toNanos(60)); // no hand-off during the test: only the rule can free the answer
        transports.add(transport);
        self[0] = transport;
        transport.start(new Transport.Listener() {
            @Override
            public void onFrame(Frame frame) {
                long n = frame.getHeartbeat().getSequence();
                self[0].keepReadingUnlessSlow();
                if (n == 2) {
                    secondBegan.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                self[0].send(heartbeat(1_000 + n));
            }

            @Override
            public void onTerminated(Termination termination) {
            }
        });
        assertTrue(secondBegan.await(30, TimeUnit.SECONDS));
        byte[] written;
        synchronized (out) {
            written = out.toByteArray();
        }
        assertEquals(List.of(heartbeat(1_001)), framesIn(written), "the answer to 1 waited for the work on 2");
        release.countDown();
    }
}
