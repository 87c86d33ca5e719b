package dev.procwire.transport.internal;

import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The process-wide epoll event loop that serves every pipe, FIFO and socket of procwire. Its
 * threads are daemons, so an idle loop never keeps a JVM alive. Internal.
 */
public final class EventLoops {
    private EventLoops() {}

    private static final class Holder {
        static final IoEventLoopGroup GROUP = create();

        private static IoEventLoopGroup create() {
            Epoll.ensureAvailability();
            int threads = Integer.getInteger("procwire.ioThreads",
                    Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors() / 2)));
            return new MultiThreadIoEventLoopGroup(threads,
                    new DefaultThreadFactory("procwire-io", true), EpollIoHandler.newFactory());
        }
    }

    /** The shared group, created on first use. Throws if epoll is not available here. */
    public static IoEventLoopGroup shared() {
        return Holder.GROUP;
    }
}
