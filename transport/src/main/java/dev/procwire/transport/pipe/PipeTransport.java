package dev.procwire.transport.pipe;

import dev.procwire.transport.Transport;
import dev.procwire.transport.internal.ChannelTransport;
import dev.procwire.transport.internal.EventLoops;
import dev.procwire.transport.internal.PipeChannel;
import io.netty.channel.unix.FileDescriptor;

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
}
