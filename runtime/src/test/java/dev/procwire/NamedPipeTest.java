package dev.procwire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.procwire.proto.v1.Frame;
import dev.procwire.proto.v1.Heartbeat;
import dev.procwire.proto.v1.Output;
import dev.procwire.transport.Termination.Kind;
import dev.procwire.transport.TransportException;
import dev.procwire.transport.fifo.FifoTimeoutException;
import dev.procwire.transport.fifo.Fifos;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link NamedPipe}: FIFOs at chosen paths, used by unrelated processes (a shell, {@code cat},
 * another JVM), with text lines and protobuf frames.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NamedPipeTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    private ChildJvms.Leftovers left;

    @BeforeAll
    static void warmUp() throws Exception {
        ChildJvms.Leftovers.warmUp();
    }

    @BeforeEach
    void countFds() {
        left = new ChildJvms.Leftovers();
    }

    @AfterEach
    void nothingLeftBehind() throws Exception {
        left.releaseAndCheck();
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(), left.toList(), "every FIFO was removed");
        }
    }

    private NamedPipe create(String name) throws IOException {
        NamedPipe fifo = NamedPipe.create(tmp.resolve(name));
        left.closeAfter.add(fifo::remove);
        return fifo;
    }

    private <T extends AutoCloseable> T track(T c) {
        left.closeAfter.add(0, c); // closed before the FIFOs are removed
        return c;
    }

    private Process start(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        left.processes.add(p);
        return p;
    }

    @Test
    void aFifoIsCreatedOwnerOnlyAndStaysUntilRemoved() throws Exception {
        Path path = tmp.resolve("jobs");
        NamedPipe fifo = NamedPipe.create(path);
        assertEquals(path, fifo.path());
        assertTrue(Fifos.isFifo(path) && fifo.exists());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(path)));

        CompletableFuture<NamedPipe.Reader> reader = CompletableFuture.supplyAsync(() -> open(() -> fifo.openReader(WAIT)));
        try (NamedPipe.Writer w = fifo.openWriter(WAIT); NamedPipe.Reader r = reader.get(20, TimeUnit.SECONDS)) {
            w.writeLine("one");
            assertEquals("one", r.readLine());
        }
        assertTrue(fifo.exists(), "a FIFO outlives its readers and writers");
        assertEquals(path, NamedPipe.of(path).path());
        FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class, () -> NamedPipe.create(path));
        assertTrue(e.getMessage().contains(path.toString()) && e.getMessage().contains("a FIFO exists there already"),
                e.getMessage());
        fifo.remove();
        assertFalse(fifo.exists());
        assertFalse(Files.exists(path));
        fifo.remove(); // idempotent

        NamedPipe shared = NamedPipe.create(tmp.resolve("shared"), PosixFilePermissions.fromString("rw-rw----"));
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(shared.path())));
        shared.remove();
    }

    @Test
    void aReaderReadsWhatAShellEchoesIntoTheFifo() throws Exception {
        NamedPipe fifo = create("from-shell");
        Process shell = start("sh", "-c", "echo hello > '" + fifo.path() + "'; printf 'second\\r\\nno end' > '"
                + fifo.path() + "'");
        try (NamedPipe.Reader in = fifo.openReader(WAIT)) {
            assertEquals("hello", in.readLine());
            // the shell's first writer closes and its second opens: this reader may see the gap
            List<String> rest = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (rest.size() < 2 && System.nanoTime() < deadline) {
                String line = in.readLine(Duration.ofSeconds(20));
                if (line != null) {
                    rest.add(line);
                } else {
                    Thread.sleep(10); // end of stream until the next writer opens
                }
            }
            assertEquals(List.of("second", "no end"), rest);
        }
        assertTrue(shell.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, shell.exitValue());
    }

    @Test
    void catReadsWhatAWriterWrites() throws Exception {
        NamedPipe fifo = create("to-cat");
        Process cat = start("cat", fifo.path().toString());
        try (NamedPipe.Writer out = fifo.openWriter(WAIT)) {
            out.writeLine("first line");
            out.writeLine("ünïcödé ✓");
            out.write("raw bytes\n".getBytes(StandardCharsets.US_ASCII));
        }
        String printed = new String(cat.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals("first line\nünïcödé ✓\nraw bytes\n", printed);
        assertTrue(cat.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, cat.exitValue());
    }

    @Test
    void framesRoundTripThroughAnotherJvm() throws Exception {
        NamedPipe toChild = create("to-child");
        NamedPipe fromChild = create("from-child");
        Process child = ChildJvms.start(NamedPipeChild.class, Map.of(), toChild.path().toString(),
                fromChild.path().toString());
        left.processes.add(child);
        byte[] big = new byte[1 << 20];
        new Random(3).nextBytes(big);
        Frame bigFrame = Frame.newBuilder().setOutput(Output.newBuilder().setData(ByteString.copyFrom(big))).build();
        NamedPipe.Writer out = track(toChild.openWriter(WAIT));
        NamedPipe.Reader in = track(fromChild.openReader(WAIT));
        for (int i = 0; i < 100; i++) {
            out.writeFrame(Frame.newBuilder().setHeartbeat(Heartbeat.newBuilder().setSequence(i)).build());
            assertEquals(i + 1, in.readFrame(WAIT).getHeartbeat().getSequence());
        }
        CompletableFuture<Frame> back = CompletableFuture.supplyAsync(() -> open(in::readFrame));
        out.writeFrame(bigFrame);
        assertEquals(bigFrame, back.get(20, TimeUnit.SECONDS));
        out.close();
        assertNull(in.readFrame(WAIT), "end of stream once the child closed its end");
        assertTrue(child.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, child.exitValue());
    }

    @Test
    void linesAndFramesMixOnOneStreamAndPartialInputWaitsForTheRest() throws Exception {
        NamedPipe fifo = create("mixed");
        CompletableFuture<NamedPipe.Reader> opening = CompletableFuture.supplyAsync(() -> open(() -> fifo.openReader(WAIT)));
        NamedPipe.Writer out = track(fifo.openWriter(WAIT));
        NamedPipe.Reader in = track(opening.get(20, TimeUnit.SECONDS));
        Frame frame = Frame.newBuilder().setHeartbeat(Heartbeat.newBuilder().setSequence(9)).build();
        out.writeLine("before");
        out.writeFrame(frame);
        out.writeLine("after");
        assertEquals("before", in.readLine());
        assertEquals(frame, in.readFrame());
        assertEquals("after", in.readLine());

        SocketTimeoutException e = assertThrows(SocketTimeoutException.class, () -> in.readLine(Duration.ofMillis(100)));
        assertTrue(e.getMessage().contains("no whole line on FIFO " + fifo.path() + " within 100 ms"), e.getMessage());
        out.write("par".getBytes(StandardCharsets.US_ASCII));
        assertThrows(SocketTimeoutException.class, () -> in.readLine(Duration.ofMillis(100)));
        out.write("tial\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals("partial", in.readLine(Duration.ofSeconds(5)));
        byte[] bytes = delimited(frame);
        out.write(java.util.Arrays.copyOf(bytes, 2));
        assertThrows(SocketTimeoutException.class, () -> in.readFrame(Duration.ofMillis(100)));
        out.write(java.util.Arrays.copyOfRange(bytes, 2, bytes.length));
        assertEquals(frame, in.readFrame(Duration.ofSeconds(5)));
    }

    @Test
    void openingWaitsForTheOtherSideAndTimesOutNamingThePath() throws Exception {
        NamedPipe fifo = create("nobody");
        long start = System.nanoTime();
        FifoTimeoutException e = assertThrows(FifoTimeoutException.class, () -> fifo.openReader(Duration.ofMillis(200)));
        assertEquals(fifo.path(), e.path());
        assertTrue(e.getMessage().contains("no process opened FIFO " + fifo.path() + " for writing within 200 ms"),
                e.getMessage());
        e = assertThrows(FifoTimeoutException.class, () -> fifo.openWriter(Duration.ofMillis(200)));
        assertTrue(e.getMessage().contains("for reading within 200 ms"), e.getMessage());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
        // nothing of the given-up opens is left: a later pair opens and talks normally
        CompletableFuture<NamedPipe.Reader> opening = CompletableFuture.supplyAsync(() -> open(() -> fifo.openReader(WAIT)));
        try (NamedPipe.Writer out = fifo.openWriter(WAIT); NamedPipe.Reader in = opening.get(20, TimeUnit.SECONDS)) {
            out.writeLine("late");
            assertEquals("late", in.readLine());
        }
    }

    @Test
    void closingEndsAWaitingReadAndAWriterSeesTheReaderGo() throws Exception {
        NamedPipe fifo = create("closing");
        CompletableFuture<NamedPipe.Reader> opening = CompletableFuture.supplyAsync(() -> open(() -> fifo.openReader(WAIT)));
        NamedPipe.Writer out = track(fifo.openWriter(WAIT));
        NamedPipe.Reader in = opening.get(20, TimeUnit.SECONDS);
        CompletableFuture<String> waiting = CompletableFuture.supplyAsync(() -> open(in::readLine));
        Thread.sleep(200);
        assertFalse(waiting.isDone());
        in.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> waiting.get(10, TimeUnit.SECONDS));
        assertEquals(Kind.LOCAL_SHUTDOWN, assertInstanceOf(TransportException.class, e.getCause().getCause()).kind());
        in.close(); // idempotent
        TransportException gone = assertThrows(TransportException.class, () -> out.writeLine("anyone?"));
        assertEquals(Kind.PEER_CLOSED, gone.kind());
    }

    @Test
    void aWriterThatDiesInsideAFrameIsReportedAsTruncated() throws Exception {
        NamedPipe fifo = create("cut");
        // a length prefix of 100 and three bytes of the frame, from an unrelated process
        start("sh", "-c", "printf '\\144abc' > '" + fifo.path() + "'");
        try (NamedPipe.Reader in = fifo.openReader(WAIT)) {
            TransportException e = assertThrows(TransportException.class, () -> in.readFrame(WAIT));
            assertEquals(Kind.TRUNCATED, e.kind());
            assertTrue(e.getMessage().contains("(3 of 100 bytes)"), e.getMessage());
        }
    }

    @Test
    void framesAndLinesOverTheMaximumAreRefused() throws Exception {
        NamedPipe fifo = create("limits");
        CompletableFuture<NamedPipe.Reader> opening = CompletableFuture.supplyAsync(
                () -> open(() -> fifo.openReader(WAIT, 64)));
        NamedPipe.Writer out = track(fifo.openWriter(WAIT, 64));
        NamedPipe.Reader in = track(opening.get(20, TimeUnit.SECONDS));
        Frame large = Frame.newBuilder().setOutput(Output.newBuilder().setData(ByteString.copyFrom(new byte[100]))).build();
        TransportException e = assertThrows(TransportException.class, () -> out.writeFrame(large));
        assertEquals(Kind.FRAME_TOO_LARGE, e.kind());
        out.writeLine("x".repeat(200));
        assertEquals(Kind.FRAME_TOO_LARGE, assertThrows(TransportException.class, in::readLine).kind());
    }

    @Test
    void badPathsFailClearlyNamingThePath() throws Exception {
        Path file = Files.writeString(tmp.resolve("plain.txt"), "not a fifo");
        FileAlreadyExistsException exists = assertThrows(FileAlreadyExistsException.class, () -> NamedPipe.create(file));
        assertTrue(exists.getMessage().contains(file + ": cannot create a FIFO there: it exists and is not a FIFO"),
                exists.getMessage());
        IOException notFifo = assertThrows(IOException.class, () -> NamedPipe.of(file));
        assertEquals(file + " exists and is not a FIFO (it is a regular file)", notFifo.getMessage());
        notFifo = assertThrows(IOException.class, () -> NamedPipe.of(tmp));
        assertTrue(notFifo.getMessage().contains("(it is a folder)"), notFifo.getMessage());

        Path underAFile = Path.of("/etc/passwd/x");
        FileSystemException e = assertThrows(FileSystemException.class, () -> NamedPipe.create(underAFile));
        assertEquals("/etc/passwd/x: cannot create a FIFO there: /etc/passwd is not a folder", e.getMessage());
        assertEquals("/etc/passwd/x", e.getFile());

        Path missing = tmp.resolve("no-such-folder/fifo");
        NoSuchFileException none = assertThrows(NoSuchFileException.class, () -> NamedPipe.create(missing));
        assertTrue(none.getMessage().contains("no folder " + missing.getParent()), none.getMessage());
        assertThrows(NoSuchFileException.class, () -> NamedPipe.of(tmp.resolve("nothing")));

        NamedPipe fifo = NamedPipe.create(tmp.resolve("replaced"));
        Files.delete(fifo.path());
        Files.writeString(fifo.path(), "a file now");
        IOException kept = assertThrows(IOException.class, fifo::remove);
        assertTrue(kept.getMessage().contains("is not a FIFO"), kept.getMessage());
        assertTrue(Files.exists(fifo.path()), "not a FIFO: left alone");
        IOException gone = assertThrows(IOException.class, () -> fifo.openReader(Duration.ofMillis(100)));
        assertTrue(gone.getMessage().contains(fifo.path() + " exists and is not a FIFO"), gone.getMessage());
        Files.delete(fifo.path());
        Files.delete(file);
    }

    // ---- helpers

    private interface IoSupplier<T> {
        T get() throws IOException;
    }

    private static <T> T open(IoSupplier<T> s) {
        try {
            return s.get();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static byte[] delimited(Frame frame) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        frame.writeDelimitedTo(out);
        return out.toByteArray();
    }
}
