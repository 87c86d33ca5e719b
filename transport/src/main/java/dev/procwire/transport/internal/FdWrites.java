package dev.procwire.transport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.unix.FileDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;

/** Non-blocking writes of a buffer's readable bytes to a descriptor. Stateless. Internal. */
final class FdWrites {
    private FdWrites() {}

    /** One write(2) of {@code buf}'s readable bytes: the count written, 0 if it would block. */
    static int writeSome(FileDescriptor out, ByteBuf buf) throws IOException {
        if (buf.hasMemoryAddress()) {
            return out.writeAddress(buf.memoryAddress(), buf.readerIndex(), buf.writerIndex());
        }
        ByteBuffer nio = buf.internalNioBuffer(buf.readerIndex(), buf.readableBytes());
        return out.write(nio, nio.position(), nio.limit());
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
