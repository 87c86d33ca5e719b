package dev.procwire.transport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.IovArray;
import io.netty.util.concurrent.FastThreadLocal;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Non-blocking writes of buffers' readable bytes to a descriptor. Thread safe: the vector for
 * writev(2) is each thread's own, as Netty keeps one per event loop. Internal.
 */
final class FdWrites {
    private static final FastThreadLocal<IovArray> IOV = new FastThreadLocal<>() {
        @Override
        protected IovArray initialValue() {
            return new IovArray();
        }

        @Override
        protected void onRemoval(IovArray value) {
            value.release();
        }
    };

    private FdWrites() {}

    /** One write(2) of {@code buf}'s readable bytes: the count written, 0 if it would block. */
    static int writeSome(FileDescriptor out, ByteBuf buf) throws IOException {
        if (buf.hasMemoryAddress()) {
            return out.writeAddress(buf.memoryAddress(), buf.readerIndex(), buf.writerIndex());
        }
        ByteBuffer nio = buf.internalNioBuffer(buf.readerIndex(), buf.readableBytes());
        return out.write(nio, nio.position(), nio.limit());
    }

    /**
     * One writev(2) of the flushed buffers of {@code buffer}, from its current one: the count
     * written, 0 if it would block; the caller removes what was written. A pool answering a read's
     * batch of results flushes a batch of tasks, and one write(2) per frame would wake the reader
     * once per frame.
     */
    static long writeFlushed(FileDescriptor out, ChannelOutboundBuffer buffer) throws Exception {
        IovArray iov = IOV.get();
        iov.clear();
        buffer.forEachFlushedMessage(iov);
        if (iov.count() <= 1) {
            return writeSome(out, (ByteBuf) buffer.current());
        }
        return out.writevAddresses(iov.memoryAddress(0), iov.count());
    }

    /** Writes until {@code buf} is empty or the descriptor would block; skips what was written. */
    static int writeAvailable(FileDescriptor out, ByteBuf buf) throws IOException {
        int total = 0;
        while (buf.isReadable()) {
            int written = writeSome(out, buf);
            if (written <= 0) {
                break;
            }
            buf.skipBytes(written);
            total += written;
        }
        return total;
    }
}
