package dev.procwire.transport.pipe;

import io.netty.channel.unix.FileDescriptor;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.channels.Channel;
import org.newsclub.net.unix.AFPipe;
import org.newsclub.net.unix.FileDescriptorCast;

/**
 * The two anonymous pipes that become a child's standard input and output, and the runtime's
 * {@link PipeTransport} over their other ends.
 *
 * <p>Use: {@link #open()}, give {@link #childInput()} and {@link #childOutput()} to a
 * {@link ProcessBuilder}, start the process, {@link #closeChildEnds()}, then {@link #transport}.
 *
 * <p>The pipes come from junixsocket's {@code AFPipe}: Netty's {@code FileDescriptor.pipe()} makes
 * both ends non-blocking, and a child must get blocking ends (a Java child's {@code System.in}
 * fails on {@code EAGAIN}). Here the child's ends stay blocking, the runtime's are switched to
 * non-blocking for epoll, and all are close-on-exec. Child ends are closed with a plain close.
 *
 * <p>Not thread safe; {@link #close()} is idempotent and closes whatever was not handed on.
 */
public final class ChildPipes implements AutoCloseable {
    private final AFPipe toChild;
    private final AFPipe fromChild;
    private boolean childEndsClosed;
    private boolean handedOver;

    private ChildPipes(AFPipe toChild, AFPipe fromChild) {
        this.toChild = toChild;
        this.fromChild = fromChild;
    }

    /** Makes the two pipes. */
    public static ChildPipes open() throws IOException {
        AFPipe toChild = AFPipe.open();
        try {
            AFPipe fromChild = AFPipe.open();
            toChild.sink().configureBlocking(false);
            fromChild.source().configureBlocking(false);
            return new ChildPipes(toChild, fromChild);
        } catch (IOException | RuntimeException e) {
            toChild.close();
            throw e;
        }
    }

    /** The read end of the runtime-to-child pipe, as the child's standard input. */
    public Redirect childInput() throws IOException {
        return FileDescriptorCast.using(toChild.source().getFileDescriptor()).as(Redirect.class);
    }

    /** The write end of the child-to-runtime pipe, as the child's standard output. */
    public Redirect childOutput() throws IOException {
        return FileDescriptorCast.using(fromChild.sink().getFileDescriptor()).as(Redirect.class);
    }

    /**
     * Closes this process's copies of the child's ends, once the child has them. Without this
     * the runtime would never read end of stream when the child dies.
     */
    public void closeChildEnds() throws IOException {
        if (!childEndsClosed) {
            childEndsClosed = true;
            closeAll(toChild.source(), fromChild.sink());
        }
    }

    /**
     * A transport over the runtime's ends; it owns and closes them from now on.
     *
     * @throws IllegalStateException if called twice
     */
    public PipeTransport transport(String name, int maxFrameBytes) throws IOException {
        if (handedOver) {
            throw new IllegalStateException("the runtime's pipe ends were already handed to a transport");
        }
        FileDescriptor in = new FileDescriptor(fd(fromChild.source()));
        FileDescriptor out = new FileDescriptor(fd(toChild.sink()));
        handedOver = true;
        return new PipeTransport(in, fromChild.source()::close, out, toChild.sink()::close, name, maxFrameBytes);
    }

    private static int fd(org.newsclub.net.unix.FileDescriptorAccess end) throws IOException {
        return FileDescriptorCast.using(end.getFileDescriptor()).as(Integer.class);
    }

    @Override
    public void close() throws IOException {
        closeChildEnds();
        if (!handedOver) {
            handedOver = true;
            closeAll(toChild.sink(), fromChild.source());
        }
    }

    private static void closeAll(Channel a, Channel b) throws IOException {
        try {
            a.close();
        } finally {
            b.close();
        }
    }
}
