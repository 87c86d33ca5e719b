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
 * reads). Not sharable: it keeps per-connection state.
 */
public final class VarintFrameDecoder extends ByteToMessageDecoder {
    private final int maxFrameBytes;

    public VarintFrameDecoder(int maxFrameBytes) {
        this.maxFrameBytes = FrameLimits.checkMax(maxFrameBytes);
        // A frame that spans several reads is gathered as a composite of the read buffers, not
        // merged by copying: the default merging cumulator regrows its buffer by doubling, so a
        // 1 MiB frame read in 64 KiB pieces was copied about three times over (every regrowth
        // copies all gathered so far) before the body decoder copied it once more. Frames that
        // arrive whole in one read are not cumulated either way.
        setCumulator(COMPOSITE_CUMULATOR);
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
                in.readerIndex(start);
                return;
            }
            out.add(in.readRetainedSlice((int) length));
        }
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        decode(ctx, in, out);
        if (in.isReadable()) {
            int left = in.readableBytes();
            in.skipBytes(left);
            throw new TruncatedFrameException(
                    "stream ended inside a frame (" + left + " bytes of an incomplete frame)");
        }
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
