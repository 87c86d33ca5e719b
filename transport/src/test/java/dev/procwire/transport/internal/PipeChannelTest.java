package dev.procwire.transport.internal;

import static dev.procwire.transport.TestFrames.encode;
import static dev.procwire.transport.TestFrames.heartbeat;
import static dev.procwire.transport.TestFrames.output;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procwire.proto.v1.Frame;
import dev.procwire.transport.FrameLimits;
import dev.procwire.transport.Termination;
import dev.procwire.transport.Transport;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.unix.FileDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link PipeChannel} under a {@link ChannelTransport}, over pipes made in this process. */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PipeChannelTest {

    /** A ChannelTransport whose channel the test can reach. */
    static final class TestTransport extends ChannelTransport {
        TestTransport(PipeChannel channel) {
            super(channel, EventLoops.shared(), "test pipe", FrameLimits.DEFAULT_MAX_FRAME_BYTES);
        }

        PipeChannel pipeChannel() {
            return (PipeChannel) channel();
        }
    }

    /** First in the pipeline: records what reaches the channel after it was closed. */
    static final class AfterCloseProbe extends ChannelInboundHandlerAdapter {
        final List<Object> seenAfterClose = new CopyOnWriteArrayList<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!ctx.channel().isOpen()) {
                seenAfterClose.add("read of " + msg);
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!ctx.channel().isOpen()) {
                seenAfterClose.add(cause);
            }
            ctx.fireExceptionCaught(cause);
        }
    }

    private FileDescriptor[] toTransport;
    private FileDescriptor[] fromTransport;

    @AfterEach
    void closePeerEnds() throws IOException {
        if (toTransport != null) {
            toTransport[1].close();
            fromTransport[0].close();
        }
    }

    private static void writeAll(FileDescriptor fd, byte[] bytes) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(bytes.length);
        buf.put(bytes).flip();
        int written = fd.write(buf, 0, bytes.length);
        assertEquals(bytes.length, written, "the pipe must take the whole test input at once");
    }

    @Test
    void stopsReadingItsDescriptorOnceClosedFromTheListenerMidRead() throws Exception {
        EventLoops.shared(); // loads Netty's native library, which FileDescriptor.pipe() needs
        toTransport = FileDescriptor.pipe();
        fromTransport = FileDescriptor.pipe();
        // As with ChildPipes, the channel's descriptors are closed by their owners, not through
        // the FileDescriptor objects the channel reads and writes with.
        FileDescriptor in = new FileDescriptor(toTransport[0].intValue());
        FileDescriptor out = new FileDescriptor(fromTransport[1].intValue());
        TestTransport transport = new TestTransport(
                new PipeChannel(in, toTransport[0]::close, out, fromTransport[1]::close, "test pipe"));
        AfterCloseProbe probe = new AfterCloseProbe();
        transport.pipeChannel().pipeline().addFirst("probe", probe);

        // A small frame, then far more bytes than the first read takes, all already in the pipe:
        // the read that delivers the small frame fills its buffer, so the read loop would go on.
        writeAll(toTransport[1], encode(heartbeat(1), output(30_000, 1)));
        List<Frame> frames = new CopyOnWriteArrayList<>();
        transport.start(new Transport.Listener() {
            @Override
            public void onFrame(Frame frame) {
                frames.add(frame);
                transport.shutdownNow("listener is done");
            }

            @Override
            public void onTerminated(Termination termination) {}
        });

        Termination t = transport.termination().get(30, TimeUnit.SECONDS);
        assertEquals(Termination.Kind.LOCAL_SHUTDOWN, t.kind(), t.toString());
        assertEquals(heartbeat(1), frames.get(0));
        // Closing released the descriptor: reading it again would read whatever file the number
        // was reused for in the meantime (or fail with EBADF, as here).
        assertTrue(probe.seenAfterClose.isEmpty(), "after close: " + probe.seenAfterClose);
    }

    /** A transport over two fresh pipes; the test holds the other ends. */
    private TestTransport pipeTransport() throws IOException {
        EventLoops.shared(); // loads Netty's native library, which FileDescriptor.pipe() needs
        toTransport = FileDescriptor.pipe();
        fromTransport = FileDescriptor.pipe();
        FileDescriptor in = new FileDescriptor(toTransport[0].intValue());
        FileDescriptor out = new FileDescriptor(fromTransport[1].intValue());
        return new TestTransport(new PipeChannel(in, toTransport[0]::close, out, fromTransport[1]::close, "test pipe"));
    }

    /** Starts {@code transport} with a listener that answers every frame with {@code answer} of it. */
    private static void answerEach(TestTransport transport, java.util.function.UnaryOperator<Frame> answer) {
        transport.start(new Transport.Listener() {
            @Override
            public void onFrame(Frame frame) {
                transport.send(answer.apply(frame));
            }

            @Override
            public void onTerminated(Termination termination) {}
        });
    }

    /** Reads exactly {@code n} bytes from a non-blocking descriptor, waiting for them. */
    private static byte[] readExactly(FileDescriptor fd, int n) throws Exception {
        ByteBuffer buf = ByteBuffer.allocateDirect(n);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (buf.hasRemaining()) {
            int r = fd.read(buf, buf.position(), buf.limit());
            if (r < 0) {
                throw new IOException("end of stream after " + buf.position() + " of " + n + " bytes");
            }
            if (r == 0) {
                assertTrue(System.nanoTime() < deadline, "only " + buf.position() + " of " + n + " bytes came");
                Thread.sleep(1);
            }
            buf.position(buf.position() + r);
        }
        byte[] bytes = new byte[n];
        buf.flip().get(bytes);
        return bytes;
    }

    /** The write(2) and writev(2) calls made so far by the event loop's threads (/proc/self/task/N/io). */
    private static long loopWriteCalls() throws IOException {
        long calls = 0;
        try (var tasks = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/task"))) {
            for (java.nio.file.Path task : (Iterable<java.nio.file.Path>) tasks::iterator) {
                try {
                    if (!java.nio.file.Files.readString(task.resolve("comm")).startsWith("procwire-io")) {
                        continue;
                    }
                    for (String line : java.nio.file.Files.readAllLines(task.resolve("io"))) {
                        if (line.startsWith("syscw:")) {
                            calls += Long.parseLong(line.substring(6).trim());
                        }
                    }
                } catch (java.nio.file.NoSuchFileException ended) {
                    // a thread that ended meanwhile
                }
            }
        }
        return calls;
    }

    /** The bytes of heartbeats 0 to n-1, and of answer(i) for each, which {@code transport} now sends back. */
    private record Burst(byte[] frames, byte[] answers) {}

    private static Burst answeredBurst(TestTransport transport, int n, java.util.function.LongFunction<Frame> answer) {
        List<Frame> frames = new java.util.ArrayList<>();
        List<Frame> answers = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            frames.add(heartbeat(i));
            answers.add(answer.apply(i));
        }
        answerEach(transport, f -> answer.apply(f.getHeartbeat().getSequence()));
        return new Burst(encode(frames), encode(answers));
    }

    @Test
    void answersToTheFramesOfOneReadGoOutInOneWritev() throws Exception {
        TestTransport transport = pipeTransport();
        Burst burst = answeredBurst(transport, 100, i -> heartbeat(1_000 + i));
        transport.pipeChannel().eventLoop().submit(() -> { }).get(); // registered: the loop's thread exists
        long before = loopWriteCalls();
        writeAll(toTransport[1], burst.frames()); // one read takes all hundred
        byte[] got = readExactly(fromTransport[0], burst.answers().length);
        long calls = loopWriteCalls() - before;
        assertEquals(java.util.HexFormat.of().formatHex(burst.answers()), java.util.HexFormat.of().formatHex(got));
        // One call; a read split by the kernel could make two or three. One per frame was 100.
        assertTrue(calls <= 5, "the loop made " + calls + " write calls for 100 answers of one read");
        transport.shutdownNow("done");
    }

    @Test
    void aBatchLargerThanThePipeIsWrittenWholeAndInOrderAsTheReaderDrainsIt() throws Exception {
        TestTransport transport = pipeTransport();
        // 64 answers of 40,000 bytes, 2.5 MB in all: writev takes part, EPOLLOUT resumes it
        Burst burst = answeredBurst(transport, 64, i -> output(40_000, i));
        writeAll(toTransport[1], burst.frames());
        byte[] got = readExactly(fromTransport[0], burst.answers().length);
        assertTrue(java.util.Arrays.equals(burst.answers(), got), "the answers arrived altered or out of order");
        transport.shutdownNow("done");
    }
}
