package dev.procwire.transport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.unix.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import org.newsclub.net.unix.FileDescriptorCast;

/**
 * Direct writes ({@link DirectWritable}) to a socket whose channel procwire does not own
 * (Netty's epoll domain-socket channel closes its descriptor without asking anyone): through a
 * duplicate of the descriptor, valid until {@link #close()}, so a direct write can never reach a
 * file that took the channel's descriptor number after its close. The socket stays open while
 * the duplicate does: close this when the channel closes, or the peer does not see the end.
 *
 * <p>Thread safe; {@link #close()} is idempotent.
 */
public final class DuplicateWriter implements DirectWritable, AutoCloseable {
    private final Object lock = new Object();
    private final java.io.FileDescriptor duplicate;
    private final FileDescriptor out;
    private boolean closed; // guarded by lock

    private DuplicateWriter(java.io.FileDescriptor duplicate, int number) {
        this.duplicate = duplicate;
        this.out = new FileDescriptor(number);
    }

    /** A writer over a duplicate of descriptor {@code fd} (a non-blocking socket: the flag is shared). */
    public static DuplicateWriter of(int fd) throws IOException {
        java.io.FileDescriptor dup = FileDescriptorCast.duplicating(
                FileDescriptorCast.unsafeUsing(fd).as(java.io.FileDescriptor.class)).getFileDescriptor();
        try {
            return new DuplicateWriter(dup, FileDescriptorCast.using(dup).as(Integer.class));
        } catch (IOException | RuntimeException e) {
            new FileInputStream(dup).close();
            throw e;
        }
    }

    @Override
    public Object writeLock() {
        return lock;
    }

    @Override
    public int writeNow(ByteBuf buf) throws IOException {
        assert Thread.holdsLock(lock);
        if (closed) {
            return -1;
        }
        return FdWrites.writeAvailable(out, buf);
    }

    @Override
    public void close() throws IOException {
        synchronized (lock) {
            if (!closed) {
                closed = true;
                new FileInputStream(duplicate).close();
            }
        }
    }
}
