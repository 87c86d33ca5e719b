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

    private static volatile boolean created;

    /** The shared group, created on first use. Throws if epoll is not available here. */
    public static IoEventLoopGroup shared() {
        created = true;
        return Holder.GROUP;
    }

    /**
     * Stops the loop's threads as the JVM exits, waiting at most {@code millis}. HotSpot's exit
     * waits up to 300 ms for threads in native code, which an idle loop in epoll_wait is; a
     * stopped loop costs nothing. Only for shutdown hooks: the group cannot be used afterwards.
     */
    public static void stopForExit(long millis) {
        if (!created) {
            return;
        }
        Holder.GROUP.shutdownGracefully(0, millis, java.util.concurrent.TimeUnit.MILLISECONDS)
                .awaitUninterruptibly(millis);
    }
}
