package dev.procwire.transport.codec;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import dev.procwire.proto.v1.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.util.List;

/**
 * Parses one frame body (as {@link VarintFrameDecoder} emits them: a {@link ByteBuf} or a
 * {@link GatheredBody}) into a {@link Frame}: what Netty's {@code ProtobufDecoder} does, with at
 * most one copy of the body instead of two. Both copy a body held in (pooled) buffer memory into a
 * fresh {@code byte[]}; {@code ProtobufDecoder} then parses it copying every bytes field once
 * more, while here the parse aliases that array (it belongs to this frame alone), so a 1 MiB
 * {@code Output} is copied once, and not at all when it came gathered in its own array. A
 * malformed body fails with an {@link InvalidProtocolBufferException}, wrapped in a
 * {@code DecoderException} by the base class.
 */
@Sharable
public final class FrameBodyDecoder extends MessageToMessageDecoder<Object> {

    public FrameBodyDecoder() {
        super(Object.class);
    }

    @Override
    public boolean acceptInboundMessage(Object msg) {
        return msg instanceof ByteBuf || msg instanceof GatheredBody;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, Object msg, List<Object> out) throws InvalidProtocolBufferException {
        byte[] bytes;
        if (msg instanceof GatheredBody gathered) {
            bytes = gathered.bytes();
        } else {
            ByteBuf body = (ByteBuf) msg;
            // Never the buffer's own array, even when it has one: that memory goes back to the pool.
            bytes = ByteBufUtil.getBytes(body, body.readerIndex(), body.readableBytes(), true);
        }
        // A CodedInputStream aliases only a buffer it is told is immutable, which a wrapped
        // ByteString's is; `bytes` is never written again and nothing else holds it.
        CodedInputStream in = UnsafeByteOperations.unsafeWrap(bytes).newCodedInput();
        in.enableAliasing(true);
        out.add(Frame.parser().parseFrom(in));
    }
}
