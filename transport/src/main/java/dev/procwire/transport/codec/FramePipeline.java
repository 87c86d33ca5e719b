package dev.procwire.transport.codec;

import dev.procwire.proto.v1.Frame;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.protobuf.ProtobufDecoder;
import io.netty.handler.codec.protobuf.ProtobufEncoder;
import io.netty.handler.codec.protobuf.ProtobufVarint32LengthFieldPrepender;

/**
 * Installs procwire's frame codec on a Netty pipeline: framing apart from parsing, as in Netty's
 * codec-protobuf. Inbound: {@link VarintFrameDecoder} then Netty's {@link ProtobufDecoder};
 * outbound: Netty's {@link ProtobufEncoder} then its {@link ProtobufVarint32LengthFieldPrepender}.
 */
public final class FramePipeline {
    public static final String FRAME_DECODER = "frameDecoder";
    public static final String PROTOBUF_DECODER = "protobufDecoder";
    public static final String FRAME_ENCODER = "frameEncoder";
    public static final String PROTOBUF_ENCODER = "protobufEncoder";

    private static final ProtobufDecoder DECODER = new ProtobufDecoder(Frame.getDefaultInstance());
    private static final ProtobufEncoder ENCODER = new ProtobufEncoder();
    private static final ProtobufVarint32LengthFieldPrepender PREPENDER =
            new ProtobufVarint32LengthFieldPrepender();

    private FramePipeline() {}

    /** Adds the four codec handlers at the end of {@code pipeline}. */
    public static void install(ChannelPipeline pipeline, int maxFrameBytes) {
        pipeline.addLast(FRAME_DECODER, new VarintFrameDecoder(maxFrameBytes));
        pipeline.addLast(PROTOBUF_DECODER, DECODER);
        pipeline.addLast(FRAME_ENCODER, PREPENDER);
        pipeline.addLast(PROTOBUF_ENCODER, ENCODER);
    }
}
