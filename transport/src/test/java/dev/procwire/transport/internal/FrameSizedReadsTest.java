package dev.procwire.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link FrameSizedReads} sizes a read to the rest of a large frame, within bounds. */
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
    void asksForTheRestOfTheFrameBeingGathered() {
        wanted.set(300_000);
        assertEquals(300_000, handle.guess());
        ByteBuf buf = handle.allocate(UnpooledByteBufAllocator.DEFAULT);
        try {
            assertEquals(300_000, buf.writableBytes());
        } finally {
            buf.release();
        }
    }

    @Test
    void neverReadsMoreThanItsMaximumAtOnce() {
        wanted.set(64 << 20);
        assertEquals(FrameSizedReads.MAX_READ, handle.guess());
    }
}
