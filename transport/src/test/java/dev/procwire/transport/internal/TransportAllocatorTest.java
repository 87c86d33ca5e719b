package dev.procwire.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link TransportAllocator} hands released large buffers out again, within its bound, freeing the stalest first. */
class TransportAllocatorTest {
    private static final long BOUND = 16L << 20;
    private final TransportAllocator alloc = new TransportAllocator(BOUND);

    @Test
    void aReleasedLargeBufferIsHandedOutAgainEmptyAndWritable() {
        ByteBuf first = alloc.directBuffer((1 << 20) + 6);
        long address = first.memoryAddress();
        first.writeBytes(new byte[1000]);
        first.release();
        ByteBuf again = alloc.directBuffer((1 << 20) + 6);
        try {
            assertEquals(address, again.memoryAddress(), "the same memory, not a new allocation");
            assertEquals(1, again.refCnt());
            assertEquals(0, again.readerIndex());
            assertEquals(0, again.writerIndex());
            assertTrue(again.capacity() >= (1 << 20) + 6);
        } finally {
            again.release();
        }
    }

    @Test
    void aBufferInUseIsNotHandedOutTwice() {
        ByteBuf a = alloc.directBuffer(1 << 20);
        ByteBuf b = alloc.directBuffer(1 << 20);
        try {
            assertNotEquals(a.memoryAddress(), b.memoryAddress());
        } finally {
            a.release();
            b.release();
        }
    }

    @Test
    void aMuchLargerKeptBufferIsNotUsedForASmallerRequest() {
        ByteBuf big = alloc.directBuffer(4 << 20);
        long bigAddress = big.memoryAddress();
        big.release();
        assertEquals(4 << 20, alloc.keptBytes());
        ByteBuf smaller = alloc.directBuffer(1 << 20);
        try {
            assertNotEquals(bigAddress, smaller.memoryAddress(), "4 MiB held for a 1 MiB request");
            assertEquals(4 << 20, alloc.keptBytes(), "the big one is still kept");
        } finally {
            smaller.release();
        }
    }

    @Test
    void keepsNoMoreThanItsBound() {
        List<ByteBuf> bufs = new ArrayList<>();
        int size = 4 << 20;
        for (long held = 0; held <= BOUND + size; held += size) {
            bufs.add(alloc.directBuffer(size));
        }
        bufs.forEach(ByteBuf::release);
        assertTrue(alloc.keptBytes() <= BOUND, alloc.keptBytes() + " bytes kept");
        assertTrue(alloc.keptBytes() >= BOUND - size, alloc.keptBytes() + " bytes kept");
    }

    @Test
    void aFullCacheFreesTheBuffersKeptLongestForTheOneJustReleased() {
        List<ByteBuf> bufs = new ArrayList<>();
        for (long held = 0; held < BOUND; held += 4 << 20) {
            bufs.add(alloc.directBuffer(4 << 20)); // fills the bound with a size no longer asked for
        }
        bufs.forEach(ByteBuf::release);
        ByteBuf read = alloc.directBuffer(1 << 20);
        long address = read.memoryAddress();
        read.release();
        assertTrue(alloc.keptBytes() <= BOUND, alloc.keptBytes() + " bytes kept");
        ByteBuf again = alloc.directBuffer(1 << 20);
        try {
            assertEquals(address, again.memoryAddress(), "the size in use was freed, the stale ones kept");
        } finally {
            again.release();
        }
    }

    @Test
    void aBufferLargerThanTheBoundIsFreed() {
        ByteBuf huge = alloc.directBuffer((int) BOUND + 1);
        huge.release();
        assertEquals(0, alloc.keptBytes());
    }

    @Test
    void smallBuffersComeFromNettysPool() {
        ByteBuf small = alloc.directBuffer(100);
        try {
            assertTrue(small.capacity() >= 100);
            assertEquals(io.netty.buffer.PooledByteBufAllocator.DEFAULT, small.alloc());
        } finally {
            small.release();
        }
    }
}
