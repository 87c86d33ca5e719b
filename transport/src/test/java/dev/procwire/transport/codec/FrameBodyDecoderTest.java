package dev.procwire.transport.codec;

import static dev.procwire.transport.TestFrames.bytes;
import static dev.procwire.transport.TestFrames.heartbeat;
import static dev.procwire.transport.TestFrames.output;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.procwire.proto.v1.Frame;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link FrameBodyDecoder} parses bodies into frames that own their bytes. */
class FrameBodyDecoderTest {

    private static Frame decode(io.netty.buffer.ByteBuf body) {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameBodyDecoder());
        channel.writeInbound(body);
        return channel.readInbound();
    }

    @Test
    void parsesBodiesFromHeapAndDirectBuffers() {
        for (Frame frame : List.of(heartbeat(7), Frame.getDefaultInstance(), output(0, 1), output(300, 2),
                output((1 << 20) + 3, 3))) {
            byte[] body = frame.toByteArray();
            assertEquals(frame, decode(Unpooled.wrappedBuffer(body)));
            assertEquals(frame, decode(Unpooled.directBuffer(body.length).writeBytes(body)));
        }
    }

    @Test
    void aFrameKeepsItsBytesWhenTheBufferIsOverwritten() {
        Frame frame = output(4096, 4);
        byte[] body = frame.toByteArray();
        Frame decoded = decode(Unpooled.wrappedBuffer(body));
        Arrays.fill(body, (byte) 0x55); // the buffer's memory reused for the next read
        assertEquals(frame, decoded);
    }

    @Test
    void reportsAMalformedBodyAsADecoderException() {
        DecoderException e = assertThrows(DecoderException.class,
                () -> decode(Unpooled.wrappedBuffer(bytes(0xff, 0xff, 0xff))));
        assertInstanceOf(InvalidProtocolBufferException.class, e.getCause());
    }
}
