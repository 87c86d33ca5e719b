package dev.procwire.transport.codec;

import static dev.procwire.transport.TestFrames.encode;
import static dev.procwire.transport.TestFrames.heartbeat;
import static dev.procwire.transport.TestFrames.output;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.procwire.proto.v1.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.List;
import org.junit.jupiter.api.Test;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * {@link FrameEncoder} writes exactly the varint-delimited bytes of each frame (as
 * {@code writeDelimitedTo} would), whatever kind of buffer the channel's allocator gives.
 */
class FrameEncoderTest {
    private static final List<Frame> FRAMES = List.of(heartbeat(1), Frame.getDefaultInstance(), output(0, 1),
            output(120, 2), output(300, 3), output(20_000, 4), output((1 << 20) + 7, 5), heartbeat(Long.MAX_VALUE));

    private static void assertEncodes(ByteBufAllocator allocator) {
        for (Frame frame : FRAMES) {
            EmbeddedChannel channel = new EmbeddedChannel();
            channel.config().setAllocator(allocator);
            channel.pipeline().addLast(new FrameEncoder());
            channel.writeOutbound(frame);
            ByteBuf out = channel.readOutbound();
            try {
                assertArrayEquals(encode(frame), ByteBufUtil.getBytes(out), "frame of " + frame.getSerializedSize() + " bytes");
            } finally {
                out.release();
            }
            assertNull(channel.readOutbound());
        }
    }

    @Test
    void writesDelimitedFramesIntoTheDefaultAllocatorsBuffers() {
        assertEncodes(ByteBufAllocator.DEFAULT);
    }

    /** An allocator whose I/O buffers are what {@code io} makes. */
    private static ByteBufAllocator ioBuffers(java.util.function.IntFunction<ByteBuf> io) {
        return new AbstractByteBufAllocator(false) {
            @Override
            protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
                return Unpooled.buffer(initialCapacity, maxCapacity);
            }

            @Override
            protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
                return Unpooled.directBuffer(initialCapacity, maxCapacity);
            }

            @Override
            public boolean isDirectBufferPooled() {
                return false;
            }

            @Override
            public ByteBuf ioBuffer(int initialCapacity) {
                return io.apply(initialCapacity);
            }
        };
    }

    @Test
    void writesDelimitedFramesIntoHeapBuffers() {
        assertEncodes(ioBuffers(Unpooled::buffer));
    }

    @Test
    void writesDelimitedFramesIntoCompositeBuffers() {
        assertEncodes(ioBuffers(capacity -> {
            // two components, so the buffer is not one NIO buffer
            CompositeByteBuf composite = Unpooled.compositeBuffer();
            composite.addComponent(true, Unpooled.directBuffer(1).writeByte(0));
            composite.addComponent(true, Unpooled.directBuffer(capacity).writeZero(capacity));
            composite.setIndex(1, 1);
            return composite;
        }));
    }
}
