package dev.procwire.transport.stream;

import static dev.procwire.transport.TestFrames.bytes;
import static dev.procwire.transport.TestFrames.concat;
import static dev.procwire.transport.TestFrames.encode;
import static dev.procwire.transport.TestFrames.heartbeat;
import static dev.procwire.transport.TestFrames.output;
import static dev.procwire.transport.TestFrames.varint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.procwire.proto.v1.Frame;
import dev.procwire.transport.FrameLimits;
import dev.procwire.transport.Termination.Kind;
import dev.procwire.transport.TransportException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FrameReaderTest {
    private static final int MAX = 1 << 20;

    /** Serves the given chunks one after the other; a read never crosses a chunk boundary. */
    static final class ChunkedInputStream extends InputStream {
        private final List<byte[]> chunks;
        private int chunk;
        private int pos;

        ChunkedInputStream(byte[]... chunks) {
            this.chunks = List.of(chunks);
        }

        private boolean skipEmpty() {
            while (chunk < chunks.size() && pos == chunks.get(chunk).length) {
                chunk++;
                pos = 0;
            }
            return chunk < chunks.size();
        }

        @Override
        public int read() {
            if (!skipEmpty()) {
                return -1;
            }
            return chunks.get(chunk)[pos++] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (!skipEmpty()) {
                return -1;
            }
            byte[] current = chunks.get(chunk);
            int n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            return n;
        }
    }

    /** Hands out at most one byte per read call. */
    static final class OneByteAtATimeInputStream extends InputStream {
        private final ByteArrayInputStream in;

        OneByteAtATimeInputStream(byte[] data) {
            this.in = new ByteArrayInputStream(data);
        }

        @Override
        public int read() {
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            return len == 0 ? 0 : in.read(b, off, 1);
        }
    }

    /** Serves {@code allowed} bytes, then fails the test if anyone reads further. */
    static final class TripwireInputStream extends InputStream {
        private final byte[] allowed;
        private int pos;

        TripwireInputStream(byte[] allowed) {
            this.allowed = allowed;
        }

        @Override
        public int read() {
            if (pos == allowed.length) {
                throw new AssertionError("read past the " + allowed.length + " allowed bytes");
            }
            return allowed[pos++] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (pos == allowed.length) {
                throw new AssertionError("read of " + len + " bytes past the " + allowed.length + " allowed bytes");
            }
            int n = Math.min(len, allowed.length - pos);
            System.arraycopy(allowed, pos, b, off, n);
            pos += n;
            return n;
        }
    }

    private static List<Frame> readAll(FrameReader reader) throws IOException {
        List<Frame> frames = new ArrayList<>();
        for (Frame frame; (frame = reader.read()) != null; ) {
            frames.add(frame);
        }
        return frames;
    }

    private static TransportException assertKind(Kind kind, FrameReader reader) {
        TransportException e = assertThrows(TransportException.class, reader::read);
        assertEquals(kind, e.kind(), e.getMessage());
        return e;
    }

    private static final List<Frame> FRAMES = List.of(heartbeat(1), output(200, 1), heartbeat(1L << 40),
            output(0, 2), output(20_000, 3), heartbeat(2));

    @Test
    void decodesASequenceOfFramesSplitAtEveryBytePosition() throws IOException {
        List<Frame> frames = List.of(heartbeat(1), output(200, 1), heartbeat(1L << 40), output(0, 2), heartbeat(2));
        byte[] wire = encode(frames);
        for (int split = 0; split <= wire.length; split++) {
            FrameReader reader = new FrameReader(new ChunkedInputStream(
                    Arrays.copyOfRange(wire, 0, split), Arrays.copyOfRange(wire, split, wire.length)), MAX);
            assertEquals(frames, readAll(reader), "split at " + split);
        }
    }

    @Test
    void decodesFramesFedOneByteAtATime() throws IOException {
        FrameReader reader = new FrameReader(new OneByteAtATimeInputStream(encode(FRAMES)), MAX);
        assertEquals(FRAMES, readAll(reader));
    }

    @Test
    void decodesMultiByteLengthPrefixesSplitInsideThePrefix() throws IOException {
        for (int size : new int[] {200, 20_000}) {
            Frame frame = output(size, size);
            byte[] wire = encode(frame);
            int prefixLength = varint(frame.getSerializedSize()).length;
            assertTrue(prefixLength >= 2);
            for (int split = 1; split < prefixLength; split++) {
                FrameReader reader = new FrameReader(new ChunkedInputStream(
                        Arrays.copyOfRange(wire, 0, split), Arrays.copyOfRange(wire, split, wire.length)), MAX);
                assertEquals(frame, reader.read(), size + " bytes split at " + split);
                assertNull(reader.read());
            }
        }
    }

    @Test
    void returnsNullAtACleanEndOfStreamAndKeepsDoingSo() throws IOException {
        FrameReader reader = new FrameReader(new ByteArrayInputStream(encode(heartbeat(9))), MAX);
        assertEquals(heartbeat(9), reader.read());
        assertNull(reader.read());
        assertNull(reader.read());
    }

    @Test
    void returnsNullForAnEmptyStream() throws IOException {
        assertNull(new FrameReader(new ByteArrayInputStream(new byte[0]), MAX).read());
    }

    @Test
    void decodesAZeroLengthFrameAsAFrameWithNoBodyNotAsEndOfStream() throws IOException {
        FrameReader reader = new FrameReader(new ByteArrayInputStream(bytes(0x00)), MAX);
        Frame frame = reader.read();
        assertEquals(Frame.BodyCase.BODY_NOT_SET, frame.getBodyCase());
        assertNull(reader.read());
    }

    @Test
    void acceptsAFrameOfExactlyTheMaximum() throws IOException {
        Frame frame = output(500, 5);
        FrameReader reader = new FrameReader(new ByteArrayInputStream(encode(frame)), frame.getSerializedSize());
        assertEquals(frame, reader.read());
    }

    @Test
    void refusesAFrameOneByteOverTheMaximum() {
        Frame frame = output(500, 5);
        int size = frame.getSerializedSize();
        FrameReader reader = new FrameReader(new ByteArrayInputStream(encode(frame)), size - 1);
        TransportException e = assertKind(Kind.FRAME_TOO_LARGE, reader);
        assertEquals(FrameLimits.tooLarge(size, size - 1), e.getMessage());
    }

    @Test
    void refusesAnOversizedFrameWithoutReadingItsBody() {
        long oneGiB = 1L << 30;
        // Any read beyond the prefix fails the test, so the refusal must come from the prefix alone.
        FrameReader reader = new FrameReader(new TripwireInputStream(varint(oneGiB)), MAX);
        TransportException e = assertKind(Kind.FRAME_TOO_LARGE, reader);
        assertEquals(FrameLimits.tooLarge(oneGiB, MAX), e.getMessage());
    }

    @Test
    void refusesAPrefixValueAtOrAbove2To31() {
        FrameReader reader = new FrameReader(new TripwireInputStream(bytes(0xff, 0xff, 0xff, 0xff, 0x0f)),
                Integer.MAX_VALUE);
        assertKind(Kind.FRAME_TOO_LARGE, reader);
    }

    @Test
    void refusesALengthPrefixLongerThanFiveBytes() {
        // The fifth byte's continuation bit is enough to know; the sixth is never read.
        FrameReader reader = new FrameReader(new TripwireInputStream(bytes(0x80, 0x80, 0x80, 0x80, 0x80)), MAX);
        assertKind(Kind.PROTOCOL_ERROR, reader);
    }

    @Test
    void acceptsAFiveBytePrefixWithinTheMaximum() throws IOException {
        byte[] body = heartbeat(3).toByteArray();
        byte[] prefix = bytes(0x80 | body.length, 0x80, 0x80, 0x80, 0x00);
        FrameReader reader = new FrameReader(new ByteArrayInputStream(concat(prefix, body)), MAX);
        assertEquals(heartbeat(3), reader.read());
    }

    @Test
    void reportsATruncatedFrameWhenTheStreamEndsInsideTheBody() throws IOException {
        byte[] wire = encode(heartbeat(1), output(100, 1));
        FrameReader reader = new FrameReader(new ByteArrayInputStream(wire, 0, wire.length - 10), MAX);
        assertEquals(heartbeat(1), reader.read());
        TransportException e = assertKind(Kind.TRUNCATED, reader);
        assertTrue(e.getMessage().contains("stream ended inside a frame"), e.getMessage());
    }

    @Test
    void reportsATruncatedFrameWhenTheStreamEndsInsideThePrefix() {
        FrameReader reader = new FrameReader(new ByteArrayInputStream(bytes(0x80, 0x80)), MAX);
        assertKind(Kind.TRUNCATED, reader);
    }

    @Test
    void reportsATruncatedFrameAtEveryCutOfAFrame() throws IOException {
        byte[] wire = encode(output(300, 4));
        for (int cut = 1; cut < wire.length; cut++) {
            FrameReader reader = new FrameReader(
                    new OneByteAtATimeInputStream(Arrays.copyOf(wire, cut)), MAX);
            TransportException e = assertThrows(TransportException.class, reader::read, "cut at " + cut);
            assertEquals(Kind.TRUNCATED, e.kind(), "cut at " + cut);
        }
    }

    @Test
    void reportsAMalformedBodyAsAProtocolError() {
        FrameReader reader = new FrameReader(new ByteArrayInputStream(bytes(0x03, 0xff, 0xff, 0xff)), MAX);
        TransportException e = assertKind(Kind.PROTOCOL_ERROR, reader);
        assertInstanceOf(InvalidProtocolBufferException.class, e.getCause());
    }

    @Test
    void passesOnAnIoErrorOfTheStreamAsItIs() {
        IOException broken = new IOException("disk on fire");
        InputStream in = new InputStream() {
            @Override
            public int read() throws IOException {
                throw broken;
            }
        };
        IOException e = assertThrows(IOException.class, () -> new FrameReader(in, MAX).read());
        assertEquals(broken, e);
    }

    @Test
    void rejectsANonPositiveMaximum() {
        InputStream in = new ByteArrayInputStream(new byte[0]);
        assertThrows(IllegalArgumentException.class, () -> new FrameReader(in, 0));
    }
}
