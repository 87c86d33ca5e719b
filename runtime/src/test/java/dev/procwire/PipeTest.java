package dev.procwire;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procwire.codec.Codecs;
import dev.procwire.proto.v1.Heartbeat;
import dev.procwire.proto.v1.Payload;
import dev.procwire.transport.Termination.Kind;
import dev.procwire.transport.TransportException;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.newsclub.net.unix.AFPipe;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * {@link Pipe} and {@link Connection}: in this JVM, and with ends handed to real child JVMs
 * ({@link PipeChild}) that are killed mid-wait and mid-message.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PipeTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private ChildJvms.Leftovers left;

    @BeforeAll
    static void warmUp() throws Exception {
        ChildJvms.Leftovers.warmUp();
        Codecs.register(new PipeChild.PointCodec());
    }

    @BeforeEach
    void countFds() {
        left = new ChildJvms.Leftovers();
    }

    @AfterEach
    void noFdLeftBehind() throws Exception {
        left.releaseAndCheck();
    }

    private Pipe.Ends open(boolean duplex) throws IOException {
        Pipe.Ends ends = Pipe.open(duplex);
        left.closeAfter.add(ends);
        return ends;
    }

    // ---- in this process

    @Test
    void duplexEndsCarryValuesBothWays() throws Exception {
        Pipe.Ends pipe = open(true);
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("answer", 42);
        map.put("items", List.of("a", "b"));
        List<Object> values = Arrays.asList(null, 42, 42L, 3.5, "héllo", List.of(1, "two"), map,
                Heartbeat.newBuilder().setSequence(7).build(), new PipeChild.Point(3, 4));
        for (Object v : values) {
            pipe.second().send(v);
            assertEquals(v, pipe.first().receive());
            pipe.first().send(v);
            assertEquals(v, pipe.second().receive());
        }
        assertTrue(pipe.first().canSend() && pipe.first().canReceive());
    }

    @Test
    void bytesTravelAsTheyAre() throws Exception {
        Pipe.Ends pipe = open(true);
        byte[] data = "0123456789".getBytes(StandardCharsets.US_ASCII);
        pipe.first().sendBytes(data);
        assertArrayEquals(data, pipe.second().receiveBytes());
        pipe.first().sendBytes(data, 2, 5);
        assertArrayEquals("23456".getBytes(StandardCharsets.US_ASCII), (byte[]) pipe.second().receive());
        pipe.first().sendBytes(new byte[0]);
        assertArrayEquals(new byte[0], pipe.second().receiveBytes());
        // what send() sent, receiveBytes() gives encoded, as Python's recv_bytes gives the pickle
        pipe.first().send("text");
        assertArrayEquals(Codecs.encode("text").getData().toByteArray(), pipe.second().receiveBytes());
    }

    @Test
    void oneWayPipeReceivesOnTheFirstEndAndSendsOnTheSecond() throws Exception {
        Pipe.Ends pipe = open(false);
        Connection in = pipe.first();
        Connection out = pipe.second();
        assertTrue(in.canReceive() && !in.canSend());
        assertTrue(out.canSend() && !out.canReceive());
        out.send("one way");
        assertEquals("one way", in.receive());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> in.send("back"));
        assertTrue(e.getMessage().contains("receiving end of a one-way pipe: it cannot send"), e.getMessage());
        e = assertThrows(IllegalStateException.class, out::receive);
        assertTrue(e.getMessage().contains("sending end of a one-way pipe: it cannot receive"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> out.poll(Duration.ZERO));
    }

    @Test
    void pollWaitsForAWholeMessageWithoutTakingIt() throws Exception {
        Raw raw = rawPair(1 << 20);
        Connection c = raw.connection;
        long start = System.nanoTime();
        assertFalse(c.poll(Duration.ofMillis(200)));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(190), "poll returned early");
        assertFalse(c.poll());

        byte[] message = delimited(Codecs.encode("a whole message"));
        raw.write(Arrays.copyOf(message, 5)); // half of it
        assertFalse(c.poll(Duration.ofMillis(100)));
        raw.write(Arrays.copyOfRange(message, 5, message.length));
        assertTrue(c.poll(Duration.ofSeconds(5)));
        assertTrue(c.poll(), "poll does not take the message");
        assertEquals("a whole message", c.receive());
        assertFalse(c.poll());

        raw.closeRawSide();
        assertTrue(c.poll(Duration.ofSeconds(5)), "true at end of stream, so receive reports it");
        assertEquals(Kind.PEER_CLOSED, assertThrows(ConnectionClosedException.class, c::receive).kind());
    }

    @Test
    void receiveEndsWithEndOfStreamOnceTheOtherEndClosedAndEverythingWasTaken() throws Exception {
        for (boolean duplex : new boolean[] {true, false}) {
            Pipe.Ends pipe = open(duplex);
            pipe.second().send(1);
            pipe.second().send(2);
            pipe.second().close();
            assertEquals(1, pipe.first().receive());
            assertEquals(2, pipe.first().receive());
            ConnectionClosedException e = assertThrows(ConnectionClosedException.class, pipe.first()::receive);
            assertEquals(Kind.PEER_CLOSED, e.kind());
            assertTrue(e.byPeer());
            assertTrue(e.getMessage().contains("end of stream: the other end was closed"), e.getMessage());
            assertThrows(ConnectionClosedException.class, pipe.first()::receive, "and again");
        }
    }

    @Test
    void aWaitingReceiveEndsWhenTheOtherEndCloses() throws Exception {
        Pipe.Ends pipe = open(true);
        CompletableFuture<Object> waiting = receiveInBackground(pipe.first());
        Thread.sleep(200);
        assertFalse(waiting.isDone());
        pipe.second().close();
        ConnectionClosedException e = closedCause(waiting);
        assertEquals(Kind.PEER_CLOSED, e.kind());
    }

    @Test
    void closingAnEndEndsItsOwnWaitsAndIsIdempotent() throws Exception {
        Pipe.Ends pipe = open(true);
        CompletableFuture<Object> waiting = receiveInBackground(pipe.first());
        Thread.sleep(200);
        pipe.first().close();
        assertEquals(Kind.LOCAL_SHUTDOWN, closedCause(waiting).kind());
        pipe.first().close();
        assertTrue(pipe.first().isClosed());
        ConnectionClosedException e = assertThrows(ConnectionClosedException.class, () -> pipe.first().send("x"));
        assertEquals(Kind.LOCAL_SHUTDOWN, e.kind());
        assertFalse(e.byPeer());
        assertThrows(ConnectionClosedException.class, () -> pipe.first().poll(Duration.ZERO));
        // and the other end sees end of stream
        assertEquals(Kind.PEER_CLOSED, assertThrows(ConnectionClosedException.class, pipe.second()::receive).kind());
    }

    @Test
    void sendingToAClosedEndFailsClearly() throws Exception {
        for (boolean duplex : new boolean[] {true, false}) {
            Pipe.Ends pipe = open(duplex);
            pipe.first().close();
            ConnectionClosedException e = assertThrows(ConnectionClosedException.class,
                    () -> pipe.second().send("lost"));
            assertEquals(Kind.PEER_CLOSED, e.kind());
            assertTrue(e.getMessage().contains("the other end was closed"), e.getMessage());
        }
    }

    @Test
    void largeMessagesArriveWholeAndTooLargeOnesAreRefusedUnsent() throws Exception {
        Pipe.Ends pipe = open(true);
        byte[] big = new byte[32 << 20];
        new Random(1).nextBytes(big);
        CompletableFuture<Object> received = receiveInBackground(pipe.second());
        pipe.first().sendBytes(big);
        assertArrayEquals(big, (byte[]) received.get(30, TimeUnit.SECONDS));

        TransportException e = assertThrows(TransportException.class,
                () -> pipe.first().sendBytes(new byte[pipe.first().maxMessageBytes()]));
        assertEquals(Kind.FRAME_TOO_LARGE, e.kind());
        assertTrue(e.getMessage().contains("exceeds the maximum of 67108864 bytes; not sent"), e.getMessage());
        pipe.first().send("still fine");
        assertEquals("still fine", pipe.second().receive());
        assertFalse(pipe.second().poll());
    }

    @Test
    void aDeclaredLengthOverTheMaximumIsRefusedBeforeAllocating() throws Exception {
        Raw raw = rawPair(1024);
        raw.write(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07}); // 2 GiB - 1
        TransportException e = assertThrows(TransportException.class, raw.connection::receive);
        assertEquals(Kind.FRAME_TOO_LARGE, e.kind());
        assertTrue(e.getMessage().contains("frame of 2147483647 bytes exceeds the maximum of 1024 bytes"),
                e.getMessage());
        assertEquals(Kind.FRAME_TOO_LARGE, assertThrows(TransportException.class, raw.connection::receive).kind());
    }

    @Test
    void aMessageCutShortIsReportedAsTruncated() throws Exception {
        Raw raw = rawPair(1024);
        raw.write(new byte[] {100, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        raw.closeRawSide();
        ConnectionClosedException e = assertThrows(ConnectionClosedException.class, raw.connection::receive);
        assertEquals(Kind.TRUNCATED, e.kind());
        assertTrue(e.getMessage().contains("inside a message (10 of 100 bytes)"), e.getMessage());
    }

    @Test
    void garbageIsAProtocolErrorAndAnUnknownContentTypeOnlyDropsItsMessage() throws Exception {
        Raw raw = rawPair(1024);
        raw.write(delimited(Payload.newBuilder().setContentType("application/x-nobody-knows").build()));
        raw.write(delimited(Codecs.encode("next")));
        assertThrows(dev.procwire.codec.CodecException.class, raw.connection::receive);
        assertEquals("next", raw.connection.receive());
        raw.write(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 1});
        assertEquals(Kind.PROTOCOL_ERROR, assertThrows(TransportException.class, raw.connection::receive).kind());
    }

    @Test
    void messagesFromConcurrentSendersNeverInterleave() throws Exception {
        Pipe.Ends pipe = open(true);
        int threads = 4;
        int each = 2_000;
        List<CompletableFuture<Void>> senders = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            senders.add(CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < each; i++) {
                        pipe.first().send(List.of(id, i, "x".repeat(i % 300)));
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, r -> new Thread(r).start()));
        }
        int[] next = new int[threads];
        for (int n = 0; n < threads * each; n++) {
            List<?> m = (List<?>) pipe.second().receive();
            int id = (Integer) m.get(0);
            assertEquals(next[id]++, m.get(1), "in order per sender");
            assertEquals(((Integer) m.get(1)) % 300, ((String) m.get(2)).length());
        }
        for (CompletableFuture<Void> sender : senders) {
            sender.get(10, TimeUnit.SECONDS);
        }
        assertFalse(pipe.second().poll());
    }

    @Test
    void anInterruptedReceiveLosesNothing() throws Exception {
        Pipe.Ends pipe = open(true);
        Thread main = Thread.currentThread();
        Thread interrupter = new Thread(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException ignored) {
                return;
            }
            main.interrupt();
        });
        interrupter.start();
        assertThrows(InterruptedIOException.class, pipe.first()::receive);
        assertTrue(Thread.interrupted(), "the interrupt status is kept");
        interrupter.join();
        pipe.second().send("after");
        assertEquals("after", pipe.first().receive());
    }

    @Test
    void badArgumentsAreRefused() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> Pipe.open(true, 0));
        Pipe.Ends pipe = open(true);
        assertThrows(IllegalArgumentException.class, () -> ConnectionHandoff.check("no spaces", pipe.first()));
        assertThrows(IllegalArgumentException.class, () -> ConnectionHandoff.check("", pipe.first()));
        assertThrows(IndexOutOfBoundsException.class, () -> pipe.first().sendBytes(new byte[3], 2, 2));
    }

    // ---- ends handed to child processes

    @Test
    void aChildEchoesOverTheDuplexEndItWasHanded() throws Exception {
        Pipe.Ends pipe = open(true);
        Process child = startWith("echo", "echo", pipe.second());
        assertThrows(IllegalStateException.class, () -> pipe.second().send("mine?"), "handed over: not usable here");
        BufferedReader out = stdout(child);
        assertEquals("ready", out.readLine());
        await().atMost(WAIT).until(() -> pipe.second().isClosed()); // this process's copy is gone
        for (Object v : List.of("hello", 42, List.of(1, 2), new PipeChild.Point(5, 6), Heartbeat.newBuilder().setEcho(true).build())) {
            pipe.first().send(v);
            assertEquals(v, pipe.first().receive());
        }
        byte[] big = new byte[4 << 20];
        new Random(2).nextBytes(big);
        CompletableFuture<Object> echoed = receiveInBackground(pipe.first());
        pipe.first().sendBytes(big);
        assertArrayEquals(big, (byte[]) echoed.get(30, TimeUnit.SECONDS));
        pipe.first().close();
        assertEquals("eof PEER_CLOSED", out.readLine());
        assertTrue(child.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, child.exitValue());
    }

    @Test
    void whatAChildSendsBeforeItExitsArrivesThenEndOfStream() throws Exception {
        Pipe.Ends pipe = open(false);
        Process child = startWith("send", "results", pipe.second(), "1000");
        for (int i = 0; i < 1000; i++) {
            assertEquals("message-" + i, pipe.first().receive());
        }
        assertEquals(Kind.PEER_CLOSED, assertThrows(ConnectionClosedException.class, pipe.first()::receive).kind());
        assertTrue(child.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, child.exitValue());
    }

    @Test
    void aWaitingReceiveEndsWhenTheChildHoldingTheOtherEndIsKilled() throws Exception {
        Pipe.Ends pipe = open(true);
        Process child = startWith("wait", "held", pipe.second());
        assertEquals("ready", stdout(child).readLine());
        CompletableFuture<Object> waiting = receiveInBackground(pipe.first());
        Thread.sleep(300);
        assertFalse(waiting.isDone(), "nothing was sent");
        long killed = System.nanoTime();
        child.destroyForcibly();
        ConnectionClosedException e = closedCause(waiting);
        assertEquals(Kind.PEER_CLOSED, e.kind());
        assertTrue(System.nanoTime() - killed < TimeUnit.SECONDS.toNanos(10));
        assertTrue(child.waitFor(10, TimeUnit.SECONDS));
    }

    @Test
    void aChildKilledInTheMiddleOfAMessageIsReportedAsTruncated() throws Exception {
        Pipe.Ends pipe = open(false);
        Process child = startWith("stuck", "big", pipe.second(), Integer.toString(8 << 20));
        assertEquals("ready", stdout(child).readLine());
        Thread.sleep(500); // the child fills the pipe and waits for room
        child.destroyForcibly();
        assertTrue(child.waitFor(10, TimeUnit.SECONDS));
        ConnectionClosedException e = assertThrows(ConnectionClosedException.class, pipe.first()::receive);
        assertEquals(Kind.TRUNCATED, e.kind());
        assertTrue(e.getMessage().contains("the sender died or broke off"), e.getMessage());
    }

    @Test
    void twoChildrenTalkDirectlyThroughAPipeThisProcessHandedThem() throws Exception {
        Pipe.Ends pipe = open(false);
        Process receiver = startWith("count", "in", pipe.first());
        Process sender = startWith("send", "out", pipe.second(), "500");
        await().atMost(WAIT).until(() -> pipe.first().isClosed() && pipe.second().isClosed());
        assertEquals("ready", stdout(receiver).readLine());
        BufferedReader out = stdout(receiver);
        assertEquals("received 500 last message-499 then PEER_CLOSED", out.readLine());
        assertTrue(sender.waitFor(20, TimeUnit.SECONDS) && receiver.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, sender.exitValue());
        assertEquals(0, receiver.exitValue());
    }

    @Test
    void onlyTheChildWithItsTokenGetsTheEnds() throws Exception {
        Pipe.Ends pipe = open(true);
        ConnectionHandoff handoff = ConnectionHandoff.offer(Map.of("mine", pipe.second()), "worker test-child");
        left.closeAfter.add(handoff);
        Map<String, String> env = handoff.childEnvironment();
        Process child = ChildJvms.start(PipeChild.class, env, "echo", "mine");
        left.processes.add(child);
        handoff.deliverTo(child.toHandle());
        // This process is not the child: refused, whatever token it presents.
        try (AFUNIXSocket intruder = AFUNIXSocket.connectTo(
                AFUNIXSocketAddress.inAbstractNamespace(env.get(ConnectionHandoff.ENV_ADDRESS)))) {
            intruder.setSoTimeout(10_000);
            intruder.getOutputStream().write((env.get(ConnectionHandoff.ENV_TOKEN) + "\n").getBytes(StandardCharsets.UTF_8));
            int answer;
            try {
                answer = intruder.getInputStream().read();
            } catch (java.net.SocketException reset) { // closed with its token unread
                answer = -1;
            }
            assertEquals(-1, answer, "refused: closed without an answer");
            java.io.FileDescriptor[] fds = intruder.getReceivedFileDescriptors();
            assertTrue(fds == null || fds.length == 0, "no descriptors");
        }
        // ... and the child is unaffected.
        assertEquals("ready", stdout(child).readLine());
        assertTrue(handoff.delivered().get(20, TimeUnit.SECONDS));
        pipe.first().send("hello");
        assertEquals("hello", pipe.first().receive());
    }

    @Test
    void aChildWithAWrongTokenIsRefusedAndItsEndsCloseWhenItExits() throws Exception {
        Pipe.Ends pipe = open(true);
        ConnectionHandoff handoff = ConnectionHandoff.offer(Map.of("mine", pipe.second()), "worker test-child");
        left.closeAfter.add(handoff);
        Map<String, String> env = new LinkedHashMap<>(handoff.childEnvironment());
        env.put(ConnectionHandoff.ENV_TOKEN, "forged");
        Process child = ChildJvms.start(PipeChild.class, env, "echo", "mine");
        left.processes.add(child);
        handoff.deliverTo(child.toHandle());
        String said = stdout(child).readLine();
        assertTrue(said.startsWith("IOException: ") && said.contains("refused to hand over its connections"), said);
        assertTrue(child.waitFor(20, TimeUnit.SECONDS));
        assertEquals(3, child.exitValue());
        assertFalse(handoff.delivered().get(20, TimeUnit.SECONDS));
        // the child is gone with the end given to it: the other end sees end of stream
        assertEquals(Kind.PEER_CLOSED, assertThrows(ConnectionClosedException.class, pipe.first()::receive).kind());
    }

    @Test
    void aChildAskingForAnEndItWasNotHandedIsToldWhatItHas() throws Exception {
        Pipe.Ends pipe = open(true);
        ConnectionHandoff handoff = ConnectionHandoff.offer(Map.of("given", pipe.second()), "test child");
        left.closeAfter.add(handoff);
        Process child = ChildJvms.start(PipeChild.class, handoff.childEnvironment(), "echo", "asked");
        left.processes.add(child);
        handoff.deliverTo(child.toHandle());
        assertEquals("NoSuchElementException: no connection named \"asked\" was handed to this process;"
                + " it has [given]", stdout(child).readLine());

        Process none = ChildJvms.start(PipeChild.class, Map.of(), "echo", "anything");
        left.processes.add(none);
        assertEquals("NoSuchElementException: no connection named \"anything\" was handed to this process"
                + " (it was started with none)", stdout(none).readLine());
        assertTrue(none.waitFor(20, TimeUnit.SECONDS) && child.waitFor(20, TimeUnit.SECONDS));
        assertEquals(3, none.exitValue());
        assertEquals(3, child.exitValue());
        // the child took the end and dropped it as it exited
        assertEquals(Kind.PEER_CLOSED, assertThrows(ConnectionClosedException.class, pipe.first()::receive).kind());
    }

    @Test
    void handingOverChecksItsEndsAndGivesThemBackIfTheChildNeverStarted() throws Exception {
        Pipe.Ends pipe = open(true);
        Pipe.Ends closed = Pipe.open(true);
        closed.close();
        assertThrows(IllegalStateException.class,
                () -> ConnectionHandoff.offer(Map.of("a", pipe.first(), "b", closed.first()), "w"));
        assertThrows(IllegalArgumentException.class, () -> ConnectionHandoff.offer(Map.of("bad name", pipe.first()), "w"));
        pipe.first().send("not reserved by a failed offer");
        assertEquals("not reserved by a failed offer", pipe.second().receive());

        ConnectionHandoff handoff = ConnectionHandoff.offer(Map.of("a", pipe.first()), "worker w");
        assertThrows(IllegalStateException.class, () -> ConnectionHandoff.offer(Map.of("a", pipe.first()), "worker v"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pipe.first().send("x"));
        assertTrue(e.getMessage().contains("was handed to worker w"), e.getMessage());
        handoff.close(); // the child never started
        assertFalse(handoff.delivered().get());
        pipe.first().send("mine again");
        assertEquals("mine again", pipe.second().receive());
    }

    // ---- helpers

    private Process startWith(String mode, String name, Connection end, String... more) throws IOException {
        ConnectionHandoff handoff = ConnectionHandoff.offer(Map.of(name, end), "test child");
        left.closeAfter.add(handoff);
        List<String> args = new ArrayList<>(List.of(mode, name));
        args.addAll(List.of(more));
        Process child;
        try {
            child = ChildJvms.start(PipeChild.class, handoff.childEnvironment(), args.toArray(new String[0]));
        } catch (IOException e) {
            handoff.close();
            throw e;
        }
        left.processes.add(child);
        handoff.deliverTo(child.toHandle());
        return child;
    }

    private final Map<Process, BufferedReader> readers = new LinkedHashMap<>();

    private BufferedReader stdout(Process p) {
        return readers.computeIfAbsent(p,
                k -> new BufferedReader(new InputStreamReader(k.getInputStream(), StandardCharsets.UTF_8)));
    }

    private static CompletableFuture<Object> receiveInBackground(Connection c) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(c.receive());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "test receiver");
        t.setDaemon(true);
        t.start();
        return f;
    }

    private static ConnectionClosedException closedCause(CompletableFuture<?> f) throws Exception {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        return assertInstanceOf(ConnectionClosedException.class, e.getCause());
    }

    private static byte[] delimited(Payload p) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.writeDelimitedTo(out);
        return out.toByteArray();
    }

    /** A receiving Connection whose other end is a plain blocking pipe the test writes bytes to. */
    private Raw rawPair(int max) throws IOException {
        AFPipe pipe = AFPipe.open();
        pipe.source().configureBlocking(false);
        Raw raw = new Raw(pipe.sink(), Connection.over(pipe.source().getFileDescriptor(), pipe.source()::close,
                Connection.Mode.RECEIVE, "raw test end", max));
        left.closeAfter.add(raw);
        return raw;
    }

    private record Raw(AFPipe.SinkChannel socket, Connection connection) implements AutoCloseable {
        void write(byte[] bytes) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                socket.write(b);
            }
        }

        void closeRawSide() throws IOException {
            socket.close();
        }

        @Override
        public void close() throws IOException {
            socket.close();
            connection.close();
        }
    }
}
