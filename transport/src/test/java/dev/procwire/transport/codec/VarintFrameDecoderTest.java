package dev.procwire.transport.codec;

import static dev.procwire.transport.TestFrames.bytes;
import static dev.procwire.transport.TestFrames.concat;
import static dev.procwire.transport.TestFrames.delimited;
import static dev.procwire.transport.TestFrames.encode;
import static dev.procwire.transport.TestFrames.heartbeat;
import static dev.procwire.transport.TestFrames.output;
import static dev.procwire.transport.TestFrames.varint;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.procwire.proto.v1.Frame;
import dev.procwire.transport.FrameLimits;
import dev.procwire.transport.codec.VarintFrameDecoder.TruncatedFrameException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class VarintFrameDecoderTest {
    private static final int MAX = 1 << 20;

    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void closeChannels() {
        for (EmbeddedChannel channel : channels) {
            channel.finishAndReleaseAll();
        }
    }

    private EmbeddedChannel decoderChannel(int max) {
        EmbeddedChannel channel = new EmbeddedChannel(new VarintFrameDecoder(max));
        channels.add(channel);
        return channel;
    }

    private EmbeddedChannel codecChannel(int max) {
        EmbeddedChannel channel = new EmbeddedChannel();
        FramePipeline.install(channel.pipeline(), max);
        channels.add(channel);
        return channel;
    }

    private static List<byte[]> randomBodies(int... sizes) {
        Random random = new Random(42);
        List<byte[]> bodies = new ArrayList<>();
        for (int size : sizes) {
            byte[] body = new byte[size];
            random.nextBytes(body);
            bodies.add(body);
        }
        return bodies;
    }

    private static byte[] wire(List<byte[]> bodies) {
        return concat(bodies.stream().map(b -> delimited(b)).toArray(byte[][]::new));
    }

    /** Everything the channel decoded so far, as byte arrays; the slices are released. */
    private static List<byte[]> readBodies(EmbeddedChannel channel) {
        List<byte[]> got = new ArrayList<>();
        for (Object msg; (msg = channel.readInbound()) != null; ) {
            if (msg instanceof GatheredBody gathered) {
                got.add(gathered.bytes());
                continue;
            }
            ByteBuf buf = (ByteBuf) msg;
            try {
                got.add(ByteBufUtil.getBytes(buf));
            } finally {
                buf.release();
            }
        }
        return got;
    }

    /** Feeds {@code wire} in pieces that end at {@code cuts} (ascending offsets). */
    private static void feed(EmbeddedChannel channel, byte[] wire, int... cuts) {
        int from = 0;
        for (int cut : cuts) {
            channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(wire, from, cut)));
            from = cut;
        }
        channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(wire, from, wire.length)));
    }

    private static List<Frame> readFrames(EmbeddedChannel channel) {
        List<Frame> got = new ArrayList<>();
        for (Frame frame; (frame = channel.readInbound()) != null; ) {
            got.add(frame);
        }
        return got;
    }

    private static void assertBodiesEqual(List<byte[]> expected, List<byte[]> actual, String context) {
        assertEquals(expected.size(), actual.size(), context + ": number of frames");
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), context + ": frame " + i);
        }
    }

    @Test
    void decodesASequenceOfFramesSplitAtEveryBytePosition() {
        List<byte[]> bodies = randomBodies(5, 0, 1, 127, 128, 300, 0, 2);
        byte[] wire = wire(bodies);
        for (int split = 0; split <= wire.length; split++) {
            EmbeddedChannel channel = decoderChannel(MAX);
            channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(wire, 0, split)));
            channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(wire, split, wire.length)));
            assertBodiesEqual(bodies, readBodies(channel), "split at " + split);
            assertFalse(channel.finish(), "split at " + split + ": nothing left after a clean end");
        }
    }

    @Test
    void decodesFramesFedOneByteAtATime() {
        List<byte[]> bodies = randomBodies(3, 0, 200, 16_384, 1);
        byte[] wire = wire(bodies);
        EmbeddedChannel channel = decoderChannel(MAX);
        List<byte[]> got = new ArrayList<>();
        for (byte b : wire) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
            got.addAll(readBodies(channel));
        }
        assertBodiesEqual(bodies, got, "one byte at a time");
        assertFalse(channel.finish());
    }

    @Test
    void emitsAFrameOnlyOnceItsLastByteArrives() {
        byte[] wire = delimited(new byte[] {1, 2, 3});
        EmbeddedChannel channel = decoderChannel(MAX);
        channel.writeInbound(Unpooled.wrappedBuffer(wire, 0, wire.length - 1));
        assertNull(channel.readInbound());
        channel.writeInbound(Unpooled.wrappedBuffer(wire, wire.length - 1, 1));
        assertBodiesEqual(List.of(new byte[] {1, 2, 3}), readBodies(channel), "completed frame");
    }

    @Test
    void decodesAZeroLengthFrameAsAnEmptyBody() {
        EmbeddedChannel channel = decoderChannel(MAX);
        channel.writeInbound(Unpooled.wrappedBuffer(bytes(0x00)));
        ByteBuf body = channel.readInbound();
        try {
            assertEquals(0, body.readableBytes());
        } finally {
            body.release();
        }
        assertFalse(channel.finish());
    }

    @Test
    void decodesMultiByteLengthPrefixesSplitInsideThePrefix() {
        // 200 needs a 2-byte prefix, 20000 a 3-byte prefix.
        for (int size : new int[] {128, 200, 16_383, 16_384, 20_000}) {
            byte[] body = randomBodies(size).get(0);
            byte[] wire = delimited(body);
            int prefixLength = varint(size).length;
            assertTrue(prefixLength >= 2);
            for (int split = 1; split < prefixLength; split++) {
                EmbeddedChannel channel = decoderChannel(MAX);
                channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(wire, 0, split)));
                assertNull(channel.readInbound(), "no frame from part of a prefix");
                channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(wire, split, wire.length)));
                assertBodiesEqual(List.of(body), readBodies(channel), size + " bytes split at " + split);
            }
            // and one byte at a time through the whole prefix, then the body in one piece
            EmbeddedChannel channel = decoderChannel(MAX);
            for (int i = 0; i < prefixLength; i++) {
                channel.writeInbound(Unpooled.wrappedBuffer(wire, i, 1));
            }
            channel.writeInbound(Unpooled.wrappedBuffer(wire, prefixLength, wire.length - prefixLength));
            assertBodiesEqual(List.of(body), readBodies(channel), size + " bytes, prefix byte by byte");
        }
    }

    @Test
    void acceptsAFrameOfExactlyTheMaximum() {
        byte[] body = randomBodies(1000).get(0);
        EmbeddedChannel channel = decoderChannel(1000);
        channel.writeInbound(Unpooled.wrappedBuffer(delimited(body)));
        assertBodiesEqual(List.of(body), readBodies(channel), "frame of max size");
    }

    @Test
    void refusesAFrameOneByteOverTheMaximum() {
        EmbeddedChannel channel = decoderChannel(1000);
        TooLongFrameException e = assertThrows(TooLongFrameException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(delimited(new byte[1001]))));
        assertEquals(FrameLimits.tooLarge(1001, 1000), e.getMessage());
    }

    @Test
    void refusesAnOversizedFrameAsSoonAsItsPrefixIsRead() {
        long oneGiB = 1L << 30;
        byte[] prefix = varint(oneGiB);
        assertEquals(5, prefix.length);
        EmbeddedChannel channel = decoderChannel(MAX);
        // Only the prefix is ever written: a decoder that waited for (or allocated) the body
        // would report nothing here.
        TooLongFrameException e = assertThrows(TooLongFrameException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(prefix)));
        assertEquals(FrameLimits.tooLarge(oneGiB, MAX), e.getMessage());
        assertNull(channel.readInbound());
        // The bad stream was dropped: closing it reports nothing more.
        assertFalse(channel.finish());
    }

    @Test
    void dropsWhatFollowsAnOversizedPrefixInTheSameRead() {
        EmbeddedChannel channel = decoderChannel(MAX);
        byte[] wire = concat(varint(MAX + 1L), encode(heartbeat(1), heartbeat(2)));
        assertThrows(TooLongFrameException.class, () -> channel.writeInbound(Unpooled.wrappedBuffer(wire)));
        assertNull(channel.readInbound());
        assertFalse(channel.finish());
    }

    @Test
    void refusesAnOversizedFrameWhosePrefixArrivesOneByteAtATime() {
        byte[] prefix = varint(MAX + 1L);
        EmbeddedChannel channel = decoderChannel(MAX);
        for (int i = 0; i < prefix.length - 1; i++) {
            channel.writeInbound(Unpooled.wrappedBuffer(prefix, i, 1));
        }
        assertThrows(TooLongFrameException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(prefix, prefix.length - 1, 1)));
    }

    @Test
    void refusesAPrefixValueAtOrAbove2To31() {
        EmbeddedChannel channel = decoderChannel(Integer.MAX_VALUE);
        // 5-byte prefix for 2^32 - 1: larger than any int maximum.
        assertThrows(TooLongFrameException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(bytes(0xff, 0xff, 0xff, 0xff, 0x0f))));
    }

    @Test
    void refusesALengthPrefixLongerThanFiveBytes() {
        EmbeddedChannel channel = decoderChannel(MAX);
        assertThrows(CorruptedFrameException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x00))));
        assertNull(channel.readInbound());
    }

    @Test
    void refusesASixthPrefixByteEvenBeforeItArrives() {
        // The fifth byte still has its continuation bit: that is already a prefix of 6+ bytes.
        EmbeddedChannel channel = decoderChannel(MAX);
        assertThrows(CorruptedFrameException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(bytes(0x81, 0x80, 0x80, 0x80, 0x80))));
    }

    @Test
    void reportsACorruptedPrefixOnceAndDropsTheStream() {
        EmbeddedChannel channel = decoderChannel(MAX);
        // A bad 6-byte prefix, then bytes that would parse as frames if decoding went on after it.
        byte[] wire = concat(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x01), encode(heartbeat(1), heartbeat(2)));
        assertThrows(CorruptedFrameException.class, () -> channel.writeInbound(Unpooled.wrappedBuffer(wire)));
        // Like an oversized frame, the untrustworthy rest is dropped: nothing is decoded from it,
        // and the end of the stream raises nothing more (no second, truncated-frame error).
        assertNull(channel.readInbound());
        assertFalse(channel.finish());
    }

    @Test
    void acceptsAFiveBytePrefixWithinTheMaximum() {
        // 5 is encoded in the longest allowed (non-minimal) form; the decoder accepts it.
        byte[] body = {1, 2, 3, 4, 5};
        EmbeddedChannel channel = decoderChannel(MAX);
        channel.writeInbound(Unpooled.wrappedBuffer(concat(bytes(0x85, 0x80, 0x80, 0x80, 0x00), body)));
        assertBodiesEqual(List.of(body), readBodies(channel), "5-byte prefix");
    }

    @Test
    void reportsATruncatedFrameWhenTheStreamEndsInsideTheBody() {
        EmbeddedChannel channel = decoderChannel(MAX);
        byte[] wire = concat(delimited(new byte[] {7}), delimited(new byte[10]));
        channel.writeInbound(Unpooled.wrappedBuffer(wire, 0, wire.length - 3));
        assertBodiesEqual(List.of(new byte[] {7}), readBodies(channel), "complete first frame");
        TruncatedFrameException e = assertThrows(TruncatedFrameException.class, channel::finish);
        assertTrue(e.getMessage().contains("8 bytes"), e.getMessage());
    }

    @Test
    void reportsATruncatedFrameWhenTheStreamEndsInsideThePrefix() {
        EmbeddedChannel channel = decoderChannel(MAX);
        channel.writeInbound(Unpooled.wrappedBuffer(bytes(0x80, 0x01)));
        assertThrows(TruncatedFrameException.class, channel::finish);
    }

    @Test
    void reportsNothingWhenTheStreamEndsAtAFrameBoundary() {
        EmbeddedChannel channel = decoderChannel(MAX);
        channel.writeInbound(Unpooled.wrappedBuffer(encode(heartbeat(1), heartbeat(2))));
        assertEquals(2, readBodies(channel).size());
        assertFalse(channel.finish());
        channel.checkException();
    }

    @Test
    void reportsNothingWhenAnEmptyStreamEnds() {
        EmbeddedChannel channel = decoderChannel(MAX);
        assertFalse(channel.finish());
    }

    // ---- large bodies that span reads: gathered into an array of their own

    @Test
    void gathersALargeBodySplitAcrossReadsIntoItsOwnArray() {
        int big = VarintFrameDecoder.GATHER_MIN + 1000;
        List<byte[]> bodies = randomBodies(10, big, 20, big, 0);
        byte[] wire = wire(bodies);
        int bigStart = delimited(bodies.get(0)).length;
        int[][] cutSets = {
                {bigStart + 1, bigStart + 5000}, // inside the big frame's prefix, then mid-body
                {bigStart + 3, bigStart + 4}, // right after the prefix, then one body byte
                {bigStart + 100, bigStart + 40_000, bigStart + 60_000}, // several reads
                {bigStart + big + 3 - 1}, // all but the body's last byte
                {wire.length - 30}, // the second big frame spans, its predecessors do not
        };
        for (int[] cuts : cutSets) {
            EmbeddedChannel channel = decoderChannel(MAX);
            feed(channel, wire, cuts);
            List<Object> raw = new ArrayList<>();
            List<byte[]> got = new ArrayList<>();
            for (Object msg; (msg = channel.readInbound()) != null; ) {
                raw.add(msg);
                got.add(msg instanceof GatheredBody g ? g.bytes() : release(msg));
            }
            assertBodiesEqual(bodies, got, "cuts " + Arrays.toString(cuts));
            assertTrue(raw.stream().anyMatch(m -> m instanceof GatheredBody), "a spanning big body is gathered");
            raw.stream().filter(m -> m instanceof GatheredBody).forEach(m ->
                    assertEquals(big, ((GatheredBody) m).length(), "gathered bodies are the big ones"));
            assertFalse(channel.finish());
        }
    }

    private static byte[] release(Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        try {
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    @Test
    void aLargeBodyThatArrivesWholeIsNotGathered() {
        byte[] body = randomBodies(VarintFrameDecoder.GATHER_MIN * 2).get(0);
        EmbeddedChannel channel = decoderChannel(MAX);
        channel.writeInbound(Unpooled.wrappedBuffer(delimited(body)));
        Object msg = channel.readInbound();
        assertInstanceOf(ByteBuf.class, msg);
        assertArrayEquals(body, release(msg));
    }

    @Test
    void saysHowManyBytesTheGatheredBodyStillWants() {
        int big = VarintFrameDecoder.GATHER_MIN + 5;
        byte[] wire = delimited(randomBodies(big).get(0));
        VarintFrameDecoder decoder = new VarintFrameDecoder(MAX);
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        channels.add(channel);
        assertEquals(0, decoder.bytesWanted());
        channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(wire, 0, 1000)));
        assertEquals(wire.length - 1000, decoder.bytesWanted());
        channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(wire, 1000, wire.length - 1)));
        assertEquals(1, decoder.bytesWanted());
        channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(wire, wire.length - 1, wire.length)));
        assertEquals(0, decoder.bytesWanted());
        assertInstanceOf(GatheredBody.class, channel.readInbound());
    }

    @Test
    void reportsATruncatedFrameWhenTheStreamEndsInsideAGatheredBody() {
        int big = VarintFrameDecoder.GATHER_MIN + 5;
        byte[] wire = delimited(randomBodies(big).get(0));
        EmbeddedChannel channel = decoderChannel(MAX);
        channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(wire, 0, wire.length - 7)));
        TruncatedFrameException e = assertThrows(TruncatedFrameException.class, channel::finish);
        assertTrue(e.getMessage().contains("7 bytes of a frame body of " + big + " bytes missing"), e.getMessage());
    }

    @Test
    void decodesALargeFrameSplitAcrossReadsThroughTheFullCodec() {
        List<Frame> frames = List.of(heartbeat(1), output((1 << 20) - 100, 2), heartbeat(3));
        byte[] wire = encode(frames);
        EmbeddedChannel channel = codecChannel(2 << 20);
        feed(channel, wire, 5, 70_000, 500_000, wire.length - 8);
        assertEquals(frames, readFrames(channel));
        assertFalse(channel.finish());
    }

    @Test
    void rejectsANonPositiveMaximum() {
        assertThrows(IllegalArgumentException.class, () -> new VarintFrameDecoder(0));
        assertThrows(IllegalArgumentException.class, () -> new VarintFrameDecoder(-1));
    }

    // ---- the full codec, as FramePipeline installs it

    @Test
    void roundTripsFramesThroughTheFullCodec() {
        List<Frame> frames = List.of(heartbeat(1), output(0, 1), output(300, 2), output(20_000, 3),
                heartbeat(Long.MAX_VALUE), Frame.getDefaultInstance());
        EmbeddedChannel sender = codecChannel(MAX);
        for (Frame frame : frames) {
            assertTrue(sender.writeOutbound(frame));
        }
        EmbeddedChannel receiver = codecChannel(MAX);
        for (ByteBuf buf; (buf = sender.readOutbound()) != null; ) {
            receiver.writeInbound(buf);
        }
        assertEquals(frames, readFrames(receiver));
        assertFalse(receiver.finish());
    }

    @Test
    void encodesFramesAsVarintDelimitedProtobuf() {
        EmbeddedChannel sender = codecChannel(MAX);
        sender.writeOutbound(heartbeat(1));
        ByteBuf out = sender.readOutbound();
        try {
            // PROTOCOL.md, "Framing": Frame{heartbeat{sequence: 1}} is 04 5a 02 08 01.
            assertArrayEquals(bytes(0x04, 0x5a, 0x02, 0x08, 0x01), ByteBufUtil.getBytes(out));
        } finally {
            out.release();
        }
    }

    @Test
    void decodesFramesSplitAtEveryBytePositionThroughTheFullCodec() {
        List<Frame> frames = List.of(heartbeat(1), output(200, 7), heartbeat(300), output(5, 8));
        byte[] wire = encode(frames);
        for (int split = 0; split <= wire.length; split++) {
            EmbeddedChannel channel = codecChannel(MAX);
            channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(wire, 0, split)));
            channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(wire, split, wire.length)));
            assertEquals(frames, readFrames(channel), "split at " + split);
            assertFalse(channel.finish());
        }
    }

    @Test
    void decodesAZeroLengthFrameAsAFrameWithNoBody() {
        EmbeddedChannel channel = codecChannel(MAX);
        channel.writeInbound(Unpooled.wrappedBuffer(bytes(0x00)));
        Frame frame = channel.readInbound();
        assertEquals(Frame.BodyCase.BODY_NOT_SET, frame.getBodyCase());
    }

    @Test
    void reportsAMalformedBodyAsADecoderException() {
        EmbeddedChannel channel = codecChannel(MAX);
        DecoderException e = assertThrows(DecoderException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(bytes(0x03, 0xff, 0xff, 0xff))));
        assertInstanceOf(InvalidProtocolBufferException.class, e.getCause());
        assertFalse(e instanceof CorruptedFrameException, "framing was fine; the body was not");
    }

    @Test
    void refusesAnOversizedFrameThroughTheFullCodec() {
        EmbeddedChannel channel = codecChannel(1024);
        assertThrows(TooLongFrameException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(varint(1 << 30))));
    }

    @Test
    void reportsATruncatedFrameThroughTheFullCodec() {
        EmbeddedChannel channel = codecChannel(MAX);
        byte[] wire = encode(heartbeat(5));
        channel.writeInbound(Unpooled.wrappedBuffer(wire, 0, wire.length - 1));
        assertThrows(TruncatedFrameException.class, channel::finish);
    }
}
