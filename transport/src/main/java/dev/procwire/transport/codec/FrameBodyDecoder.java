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
 * Parses one frame body (as {@link VarintFrameDecoder} emits them) into a {@link Frame}: what
 * Netty's {@code ProtobufDecoder} does, with one copy of the body instead of two. Both copy a body
 * held in direct memory into a fresh {@code byte[]}; {@code ProtobufDecoder} then parses it
 * copying every bytes field once more, while here the parse aliases that array (it belongs to
 * this frame alone), so a 1 MiB {@code Output} is copied once. A malformed body fails with an
 * {@link InvalidProtocolBufferException}, wrapped in a {@code DecoderException} by the base class.
 */
@Sharable
public final class FrameBodyDecoder extends MessageToMessageDecoder<ByteBuf> {

    public FrameBodyDecoder() {
        super(ByteBuf.class);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf body, List<Object> out) throws InvalidProtocolBufferException {
        // Never the buffer's own array, even when it has one: that memory goes back to the pool.
        byte[] bytes = ByteBufUtil.getBytes(body, body.readerIndex(), body.readableBytes(), true);
        // A CodedInputStream aliases only a buffer it is told is immutable, which a wrapped
        // ByteString's is; `bytes` is never written again and nothing else holds it.
        CodedInputStream in = UnsafeByteOperations.unsafeWrap(bytes).newCodedInput();
        in.enableAliasing(true);
        out.add(Frame.parser().parseFrom(in));
    }
}
