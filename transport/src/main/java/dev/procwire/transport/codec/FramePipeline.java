package dev.procwire.transport.codec;

import io.netty.channel.ChannelPipeline;

/**
 * Installs procwire's frame codec on a Netty pipeline. Inbound, framing apart from parsing, as in
 * Netty's codec-protobuf: {@link VarintFrameDecoder} then {@link FrameBodyDecoder} (Netty's
 * ProtobufDecoder less a copy of each bytes field).
 * Outbound, one {@link FrameEncoder} that serializes length prefix and body into one buffer (Netty's
 * ProtobufEncoder + ProtobufVarint32LengthFieldPrepender write the same bytes with a copy between).
 */
public final class FramePipeline {
    public static final String FRAME_DECODER = "frameDecoder";
    public static final String PROTOBUF_DECODER = "protobufDecoder";
    /** The outbound encoder; a buffer written at its context goes out as it is, unframed. */
    public static final String FRAME_ENCODER = "frameEncoder";

    private static final FrameBodyDecoder DECODER = new FrameBodyDecoder();
    private static final FrameEncoder ENCODER = new FrameEncoder();

    private FramePipeline() {}

    /** Adds the three codec handlers at the end of {@code pipeline}; returns its frame decoder. */
    public static VarintFrameDecoder install(ChannelPipeline pipeline, int maxFrameBytes) {
        VarintFrameDecoder framer = new VarintFrameDecoder(maxFrameBytes);
        pipeline.addLast(FRAME_DECODER, framer);
        pipeline.addLast(PROTOBUF_DECODER, DECODER);
        pipeline.addLast(FRAME_ENCODER, ENCODER);
        return framer;
    }
}
