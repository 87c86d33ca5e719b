package dev.procwire.transport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;
import java.util.Objects;
import java.util.function.IntSupplier;

/**
 * Read sizes for a channel that carries frames: as {@link AdaptiveRecvByteBufAllocator} guesses
 * them (up to 64 KiB), except while a large frame is being gathered, when a read takes up to
 * {@link #MAX_READ}. A 1 MiB frame thus comes in one or a few reads, as a C reader with a 1 MiB
 * buffer takes it, not in sixteen: each read of a pipe takes its lock, and wakes a writer that
 * then contends for it. One per channel (the hint is that channel's decoder's).
 *
 * <p>Always {@link #MAX_READ}, not the rest of the frame: one size, which {@link TransportAllocator}
 * can always hand out again from the same few buffers, where rests of a different size every read
 * need not match a kept buffer (one that misses is a new direct buffer, zeroed and faulted in).
 * Reading past the frame's end costs nothing: those bytes are the next frame's.
 */
public final class FrameSizedReads implements RecvByteBufAllocator {
    /** The largest read: procwire's pipes grow to this size (see PipeSizes). */
    public static final int MAX_READ = 1 << 20;

    private final RecvByteBufAllocator adaptive = new AdaptiveRecvByteBufAllocator();
    private final IntSupplier wanted;

    /** @param wanted bytes still missing of the frame being gathered, 0 if none (event loop only) */
    public FrameSizedReads(IntSupplier wanted) {
        this.wanted = Objects.requireNonNull(wanted, "wanted");
    }

    @Override
    public Handle newHandle() {
        return new SizedHandle((ExtendedHandle) adaptive.newHandle());
    }

    /** The adaptive handle, with the frame's need overriding its guess when larger. */
    private final class SizedHandle extends DelegatingHandle implements ExtendedHandle {
        SizedHandle(ExtendedHandle delegate) {
            super(delegate);
        }

        @Override
        public int guess() {
            int guess = delegate().guess();
            int need = wanted.getAsInt();
            return need > guess ? MAX_READ : guess;
        }

        @Override
        public ByteBuf allocate(ByteBufAllocator alloc) {
            return alloc.ioBuffer(guess());
        }

        @Override
        public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
            return ((ExtendedHandle) delegate()).continueReading(maybeMoreDataSupplier);
        }
    }
}
