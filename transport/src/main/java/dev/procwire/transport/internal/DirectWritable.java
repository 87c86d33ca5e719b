package dev.procwire.transport.internal;

import io.netty.buffer.ByteBuf;
import java.io.IOException;

/**
 * A channel whose bytes the sending thread may write itself, without a hand-off to the event
 * loop: a caller's round trip then costs one thread wake-up less (the loop's). Writes of the loop
 * and direct writes must not interleave, so both hold {@link #writeLock()}, as does the closing
 * of the output (a descriptor closed and reused under a direct write would take another file's
 * bytes). Internal.
 */
public interface DirectWritable {
    /** The lock every direct write and the closing of the output hold. */
    Object writeLock();

    /**
     * Writes as much of {@code buf} as the descriptor takes now, from the calling thread, which
     * holds {@link #writeLock()}; the buffer's reader index advances past what was written.
     *
     * @return the bytes written (0: the descriptor would block), or -1 if the output is closed
     * @throws IOException if the write fails (the peer is gone)
     */
    int writeNow(ByteBuf buf) throws IOException;
}
