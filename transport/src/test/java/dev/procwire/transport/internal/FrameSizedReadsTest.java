package dev.procwire.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link FrameSizedReads} reads a large frame being gathered in reads of one size, within bounds. */
class FrameSizedReadsTest {
    private final AtomicInteger wanted = new AtomicInteger();
    private final RecvByteBufAllocator.Handle handle = new FrameSizedReads(wanted::get).newHandle();

    {
        handle.reset(new EmbeddedChannel().config());
    }

    @Test
    void guessesAsTheAdaptiveAllocatorWhenNoLargeFrameIsGathered() {
        int adaptive = new io.netty.channel.AdaptiveRecvByteBufAllocator().newHandle().guess();
        assertEquals(adaptive, handle.guess());
        wanted.set(10); // a need smaller than the guess does not shrink it
        assertEquals(adaptive, handle.guess());
    }

    @Test
    void readsAWholeMaximumWhileAFrameIsGathered() {
        wanted.set(300_000);
        assertEquals(FrameSizedReads.MAX_READ, handle.guess());
        ByteBuf buf = handle.allocate(UnpooledByteBufAllocator.DEFAULT);
        try {
            assertEquals(FrameSizedReads.MAX_READ, buf.writableBytes());
        } finally {
            buf.release();
        }
    }

    @Test
    void readsOfDifferentFramesReuseTheSameKeptBuffer() {
        TransportAllocator alloc = new TransportAllocator(4L << 20);
        wanted.set(700_000);
        ByteBuf first = handle.allocate(alloc);
        long address = first.memoryAddress();
        first.release();
        wanted.set(123_456); // the next frame's rest: another size
        ByteBuf second = handle.allocate(alloc);
        try {
            assertEquals(address, second.memoryAddress(), "a new buffer, zeroed and faulted in, for every read");
        } finally {
            second.release();
        }
    }

    @Test
    void neverReadsMoreThanItsMaximumAtOnce() {
        wanted.set(64 << 20);
        assertEquals(FrameSizedReads.MAX_READ, handle.guess());
    }
}
