package dev.procwire.transport.codec;

import dev.procwire.transport.FrameLimits;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;

/**
 * Splits a byte stream into frames by protobuf's varint32 length prefix, refusing a frame over
 * the maximum before a byte of its body is kept.
 *
 * <pre>
 * +--------------------+------------------------------+
 * | length: varint32   | body: length bytes           |
 * | 1..5 bytes, LEB128 | a serialized procwire Frame  |
 * +--------------------+------------------------------+
 *   04                   5a 02 08 01
 * </pre>
 *
 * <p>Unlike Netty's {@code ProtobufVarint32FrameDecoder} this decoder has a maximum, and it tells a
 * stream that ends inside a frame ({@link TruncatedFrameException}) from one that ends cleanly.
 * Emits each body as a retained slice (of a composite buffer when the frame spanned several
 * reads), except a body of {@link #GATHER_MIN} bytes or more that is not all there when its
 * prefix is read: that one is gathered into an array of its own as the reads come, each read
 * buffer released at once, and emitted as a {@link GatheredBody}. {@link #bytesWanted()} says how
 * much of such a body is still to come, so that a reader can size its reads to it. Not sharable:
 * it keeps per-connection state.
 */
public final class VarintFrameDecoder extends ByteToMessageDecoder {
    /**
     * A body at least this large that spans reads is gathered into its own array. Below it,
     * gathering gains nothing over a composite of the read buffers plus one copy at the end.
     */
    public static final int GATHER_MIN = 64 * 1024;

    private final int maxFrameBytes;
    /** The body being gathered, or null; event loop only, as every decoder state. */
    private byte[] gathering;
    private int gathered;

    public VarintFrameDecoder(int maxFrameBytes) {
        this.maxFrameBytes = FrameLimits.checkMax(maxFrameBytes);
        // A frame that spans several reads is gathered as a composite of the read buffers, not
        // merged by copying: the default merging cumulator regrows its buffer by doubling, so a
        // 1 MiB frame read in 64 KiB pieces was copied about three times over (every regrowth
        // copies all gathered so far) before the body decoder copied it once more. Frames that
        // arrive whole in one read are not cumulated either way.
        setCumulator(COMPOSITE_CUMULATOR);
    }

    /**
     * How many more bytes the large body being gathered needs, or 0 when none is: a hint for the
     * size of the next read. Event loop only.
     */
    public int bytesWanted() {
        return gathering == null ? 0 : gathering.length - gathered;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (gathering == null || !(msg instanceof ByteBuf in)) {
            super.channelRead(ctx, msg);
            return;
        }
        boolean passedOn = false;
        try {
            int n = Math.min(in.readableBytes(), gathering.length - gathered);
            in.readBytes(gathering, gathered, n);
            gathered += n;
            if (gathered == gathering.length) {
                GatheredBody body = new GatheredBody(gathering);
                gathering = null;
                ctx.fireChannelRead(body);
                if (in.isReadable()) { // the next frames: framed as usual
                    passedOn = true;
                    super.channelRead(ctx, in);
                }
            }
        } finally {
            if (!passedOn) {
                in.release();
            }
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            int start = in.readerIndex();
            long length = readVarint(in);
            if (length == INCOMPLETE) {
                in.readerIndex(start);
                return;
            }
            if (length > maxFrameBytes) {
                // Drop everything: the stream cannot be trusted past a bad header.
                in.skipBytes(in.readableBytes());
                throw new TooLongFrameException(FrameLimits.tooLarge(length, maxFrameBytes));
            }
            if (in.readableBytes() < length) {
                if (length >= GATHER_MIN) {
                    // What is here now goes into the body's own array, the rest as it is read:
                    // the cumulation is left empty, and channelRead fills the array.
                    gathering = new byte[(int) length];
                    gathered = in.readableBytes();
                    in.readBytes(gathering, 0, gathered);
                    return;
                }
                in.readerIndex(start);
                return;
            }
            out.add(in.readRetainedSlice((int) length));
        }
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (gathering != null) {
            int missing = gathering.length - gathered;
            gathering = null;
            throw new TruncatedFrameException("stream ended inside a frame (" + missing + " bytes of a "
                    + "frame body of " + (gathered + missing) + " bytes missing)");
        }
        decode(ctx, in, out);
        if (in.isReadable()) {
            int left = in.readableBytes();
            in.skipBytes(left);
            throw new TruncatedFrameException(
                    "stream ended inside a frame (" + left + " bytes of an incomplete frame)");
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        gathering = null;
    }

    private static final long INCOMPLETE = -1;

    /** Reads an unsigned varint32; returns INCOMPLETE if more bytes are needed. */
    private static long readVarint(ByteBuf in) {
        long value = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            if (!in.isReadable()) {
                return INCOMPLETE;
            }
            byte b = in.readByte();
            value |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return value;
            }
        }
        in.skipBytes(in.readableBytes()); // as for an oversized frame: drop the untrustworthy rest
        throw new CorruptedFrameException("frame length prefix is longer than 5 bytes");
    }

    /** The stream ended after part of a frame. */
    public static final class TruncatedFrameException extends CorruptedFrameException {
        public TruncatedFrameException(String message) {
            super(message);
        }
    }
}
