package dev.procwire.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * An input stream over a channel on a pipe. Unlike {@code Channels.newInputStream}, its
 * {@link #available()} never asks the channel: on JDK 17 a FileChannel answers it with
 * {@code lseek}, which fails on a pipe ("Illegal seek") — and {@code BufferedInputStream} asks
 * whenever a read comes back short, as it does when a frame spans two pipe reads. Closing it
 * closes the channel, which wakes a thread blocked in a read. One reader at a time. Internal.
 */
final class PipeInputStream extends InputStream {
    private final ReadableByteChannel channel;

    PipeInputStream(ReadableByteChannel channel) {
        this.channel = channel;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n <= 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        return channel.read(ByteBuffer.wrap(b, off, len));
    }

    @Override
    public int available() {
        return 0; // unknown without a system call that pipes do not support
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
