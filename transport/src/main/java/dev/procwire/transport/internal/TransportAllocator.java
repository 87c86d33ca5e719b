package dev.procwire.transport.internal;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledUnsafeDirectByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * The buffer allocator of every procwire channel: Netty's pooled allocator for buffers under
 * {@link #LARGE} bytes, and direct buffers that are kept and handed out again for larger ones
 * (frames of 1 MiB being encoded or read). Internal.
 *
 * <p>Why not Netty's pool for those too: its default (adaptive) allocator does not pool a 1 MiB
 * buffer at all, and its pooled one frees a 4 MiB chunk as soon as the last buffer in it is
 * released once the chunk was a quarter used, which a few 1 MiB frames in flight do. Each new
 * chunk (or unpooled buffer) is then a fresh {@code ByteBuffer.allocateDirect}: zeroed, its pages
 * faulted in, and held to the JDK's direct-memory limit, where allocation waits for a GC. Sending
 * 1 MiB frames over a Unix socket fell to 170-420 MiB/s (1-6 ms of CPU per MiB) in some runs,
 * against 4-6 GiB/s in others.
 *
 * <p>The shared instance keeps at most {@link #KEPT_BYTES} of released large buffers (16 MiB by
 * default, {@code -Dprocwire.keptBufferBytes}); past that, a release frees the buffers kept
 * longest. Thread safe.
 */
public final class TransportAllocator extends AbstractByteBufAllocator {
    /** Buffers of this many bytes or more are kept for reuse. */
    public static final int LARGE = 64 * 1024;
    /** The most bytes of released large buffers the shared instance keeps. */
    static final long KEPT_BYTES = Long.getLong("procwire.keptBufferBytes", 16L << 20);
    /** Large buffers are made in multiples of this, so that a slightly larger frame reuses one. */
    private static final int GRAIN = 64 * 1024;

    /** The one instance. */
    public static final TransportAllocator INSTANCE = new TransportAllocator(KEPT_BYTES);

    private final ByteBufAllocator small = PooledByteBufAllocator.DEFAULT;
    private final List<KeptBuffer> kept = new ArrayList<>(); // guarded by itself
    private final long maxKeptBytes;
    private long keptBytes; // guarded by kept

    /** @param maxKeptBytes the most bytes of released large buffers to keep */
    TransportAllocator(long maxKeptBytes) {
        super(true);
        this.maxKeptBytes = maxKeptBytes;
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        return small.heapBuffer(initialCapacity, maxCapacity);
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        if (initialCapacity < LARGE) {
            return small.directBuffer(initialCapacity, maxCapacity);
        }
        KeptBuffer buf = reuse(initialCapacity, maxCapacity);
        if (buf == null) {
            int capacity = (int) Math.min(maxCapacity, ((long) initialCapacity + GRAIN - 1) / GRAIN * GRAIN);
            buf = new KeptBuffer(capacity, maxCapacity);
        }
        return buf;
    }

    /** A kept buffer of at least {@code capacity} bytes and at most twice that, or null. */
    private KeptBuffer reuse(int capacity, int maxCapacity) {
        synchronized (kept) {
            for (int i = kept.size() - 1; i >= 0; i--) {
                KeptBuffer buf = kept.get(i);
                if (buf.capacity() >= capacity && buf.capacity() / 2 <= capacity && buf.capacity() <= maxCapacity) {
                    kept.remove(i);
                    keptBytes -= buf.capacity();
                    buf.revive(maxCapacity);
                    return buf;
                }
            }
        }
        return null;
    }

    /**
     * Keeps {@code buf}, just released, making room by freeing the buffers kept longest (the
     * least recently released: a size no longer asked for does not crowd out the sizes in use);
     * returns whether it kept it (not when it alone is over the bound).
     */
    private boolean keep(KeptBuffer buf) {
        List<KeptBuffer> evicted = null; // made only when the cache is full: releases are frequent
        synchronized (kept) {
            if (buf.capacity() > maxKeptBytes) {
                return false;
            }
            while (keptBytes + buf.capacity() > maxKeptBytes) {
                KeptBuffer oldest = kept.remove(0);
                keptBytes -= oldest.capacity();
                if (evicted == null) {
                    evicted = new ArrayList<>();
                }
                evicted.add(oldest);
            }
            kept.add(buf);
            keptBytes += buf.capacity();
        }
        if (evicted != null) {
            evicted.forEach(KeptBuffer::free); // outside the lock: freeing unmaps memory
        }
        return true;
    }

    /** The bytes of released large buffers kept now. For tests. */
    long keptBytes() {
        synchronized (kept) {
            return keptBytes;
        }
    }

    @Override
    public boolean isDirectBufferPooled() {
        return true;
    }

    /** A direct buffer that goes back to the allocator when released, instead of being freed. */
    private final class KeptBuffer extends UnpooledUnsafeDirectByteBuf {
        KeptBuffer(int capacity, int maxCapacity) {
            super(TransportAllocator.this, capacity, maxCapacity);
        }

        void revive(int maxCapacity) {
            resetRefCnt();
            maxCapacity(maxCapacity);
            clear();
        }

        @Override
        protected void deallocate() {
            if (!keep(this)) {
                free();
            }
        }

        void free() {
            super.deallocate();
        }
    }
}
