package dev.procwire.transport.pipe;

import dev.procwire.transport.Transport;
import dev.procwire.transport.internal.ChannelTransport;
import dev.procwire.transport.internal.EventLoops;
import dev.procwire.transport.internal.PipeChannel;
import dev.procwire.transport.internal.FdEndpoint;
import io.netty.channel.unix.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import org.newsclub.net.unix.FileDescriptorCast;

/**
 * A {@link Transport} over two anonymous pipes: frames are read from one pipe's read end and
 * written to another's write end, on the shared Netty epoll event loop. In procwire the runtime
 * holds these ends of a worker's standard input and output ({@link ChildPipes} makes them).
 *
 * <p>Thread safety and lifecycle are those of {@link Transport}.
 */
public final class PipeTransport extends ChannelTransport {

    PipeTransport(FileDescriptor in, PipeChannel.FdOwner inOwner, FileDescriptor out,
                  PipeChannel.FdOwner outOwner, String name, int maxFrameBytes) {
        super(new PipeChannel(in, inOwner, out, outOwner, name), EventLoops.shared(), name, maxFrameBytes);
    }

    /**
     * A transport over pipe ends this process did not make, such as ends received from another
     * process with {@code SCM_RIGHTS} (a fork server hands over a worker's pipes): {@code in} is
     * the read end, {@code out} the write end, both already non-blocking (the sender set
     * {@code O_NONBLOCK}, which travels with the open file). That is checked only when
     * assertions are on: the check reads {@code /proc} for each descriptor, tens of
     * microseconds on a worker's start-up path. The transport owns both from now on and closes
     * them; on failure they are closed here.
     *
     * @throws IOException naming the descriptor if one is not valid
     */
    public static PipeTransport adopt(java.io.FileDescriptor in, java.io.FileDescriptor out, String name,
                                      int maxFrameBytes) throws IOException {
        // FileInputStream owns each: closing it runs whatever else is attached to the descriptor
        // (junixsocket's bookkeeping of received descriptors) before closing the number.
        FileInputStream inOwner = new FileInputStream(in);
        FileInputStream outOwner = new FileInputStream(out);
        try {
            int inNumber = number(in, name + " (read end)");
            int outNumber = number(out, name + " (write end)");
            return new PipeTransport(new FileDescriptor(inNumber), inOwner::close, new FileDescriptor(outNumber),
                    outOwner::close, name, maxFrameBytes);
        } catch (IOException | RuntimeException e) {
            try {
                inOwner.close();
            } finally {
                outOwner.close();
            }
            throw e;
        }
    }

    /** The sizes of the read and the write pipe in bytes (see {@code PipeSizes}). For tests. */
    int[] pipeSizes() {
        return ((PipeChannel) channel()).pipeSizes();
    }

    private static int number(java.io.FileDescriptor fd, String what) throws IOException {
        if (!fd.valid()) {
            throw new IOException(what + ": the descriptor is not valid (closed)");
        }
        int number = FileDescriptorCast.using(fd).as(Integer.class);
        assert nonBlocking(number) : what + ": descriptor " + number + " is in blocking mode; it must be non-blocking";
        return number;
    }

    private static boolean nonBlocking(int number) {
        try {
            return FdEndpoint.isNonBlocking(number);
        } catch (IOException e) {
            return false;
        }
    }
}
