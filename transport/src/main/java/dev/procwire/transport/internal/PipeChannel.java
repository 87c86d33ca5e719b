package dev.procwire.transport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.AbstractChannel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.unix.FileDescriptor;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A Netty channel over a pair of pipe or FIFO file descriptors: one read end, one write end,
 * either may be absent. Netty has no pipe channel; this one registers each descriptor on an epoll
 * event loop through Netty 4.2's IoHandle API, so pipes share the loop with sockets and feed
 * Netty's codecs like any other channel.
 *
 * <p>The read descriptor is level-triggered for {@code EPOLLIN}; the write descriptor is
 * edge-triggered for {@code EPOLLOUT}, armed once, so a full pipe resumes writing when the peer
 * drains it without ever removing and re-adding the descriptor. Both descriptors must be in
 * non-blocking mode. Reading is always on (auto-read cannot be turned off).
 *
 * <p>Closing the channel closes both descriptors through the {@link FdOwner}s given, which own
 * them; {@link #shutdownOutput()} closes only the write end, so the peer reads end of stream.
 * Any thread may also write directly ({@link DirectWritable}); the write end is closed under the
 * same lock.
 */
public final class PipeChannel extends AbstractChannel implements DuplexChannel, DirectWritable {

    /** Whoever really owns a descriptor, and closes it once. */
    @FunctionalInterface
    public interface FdOwner {
        void close() throws IOException;
    }

    private static final ChannelMetadata METADATA = new ChannelMetadata(false, 16);
    /** A pipe's default size: this much read in one wake-up means the writer had filled it. */
    private static final int FULL_PIPE_BYTES = 64 * 1024;

    private final FileDescriptor in;
    private final FdOwner inOwner;
    private final FileDescriptor out;
    private final FdOwner outOwner;
    private final PipeAddress address;
    private final ChannelConfig config = new DefaultChannelConfig(this);
    private final ReadHandle readHandle = new ReadHandle();
    private final WriteHandle writeHandle = new WriteHandle();
    private final Object writeLock = new Object();
    // Growing each pipe once it fills up (see PipeSizes): asked once, what it took, on the loop.
    private final AtomicBoolean inGrowAsked = new AtomicBoolean();
    private final AtomicBoolean outGrowAsked = new AtomicBoolean();
    private int inGrown;
    private int outGrown;

    private volatile boolean open = true;
    private volatile boolean inputShutdown;
    private volatile boolean outputShutdown;
    private IoRegistration inRegistration;
    private boolean readArmed; // on the event loop only
    private IoRegistration outRegistration;

    /**
     * @param in read end (non-blocking), or {@code null} for a write-only channel
     * @param inOwner closes {@code in}
     * @param out write end (non-blocking), or {@code null} for a read-only channel
     * @param outOwner closes {@code out}
     * @param name for {@link #remoteAddress()} and logs
     */
    public PipeChannel(FileDescriptor in, FdOwner inOwner, FileDescriptor out, FdOwner outOwner, String name) {
        super(null);
        if (in == null && out == null) {
            throw new IllegalArgumentException("a pipe channel needs a read end, a write end or both");
        }
        this.in = in;
        this.inOwner = inOwner;
        this.out = out;
        this.outOwner = outOwner;
        this.address = new PipeAddress(name);
        this.inputShutdown = in == null;
        this.outputShutdown = out == null;
    }

    @Override
    public ChannelConfig config() {
        return config;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isActive() {
        return open;
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new PipeUnsafe();
    }

    @Override
    protected boolean isCompatible(EventLoop loop) {
        return loop instanceof IoEventLoop && ((IoEventLoop) loop).isCompatible(ReadHandle.class);
    }

    @Override
    protected SocketAddress localAddress0() {
        return address;
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return address;
    }

    @Override
    protected void doRegister(ChannelPromise promise) {
        IoEventLoop loop = (IoEventLoop) eventLoop();
        if (in == null) {
            registerOut(loop, promise);
            return;
        }
        loop.register(readHandle).addListener(f -> {
            if (!f.isSuccess()) {
                promise.setFailure(f.cause());
                return;
            }
            inRegistration = (IoRegistration) f.getNow();
            if (out == null) {
                promise.setSuccess();
            } else {
                registerOut(loop, promise);
            }
        });
    }

    private void registerOut(IoEventLoop loop, ChannelPromise promise) {
        loop.register(writeHandle).addListener(f -> {
            if (!f.isSuccess()) {
                promise.setFailure(f.cause());
                return;
            }
            outRegistration = (IoRegistration) f.getNow();
            outRegistration.submit(EpollIoOps.EPOLLOUT.with(EpollIoOps.EPOLLET));
            promise.setSuccess();
        });
    }

    @Override
    protected void doBeginRead() {
        // Called after every read batch (auto-read): arm once, as Netty's epoll channels do,
        // rather than an epoll_ctl per wake-up.
        if (inRegistration != null && !inputShutdown && !readArmed) {
            readArmed = true;
            inRegistration.submit(EpollIoOps.EPOLLIN);
        }
    }

    @Override
    protected void doBind(SocketAddress localAddress) {
        throw new UnsupportedOperationException("a pipe cannot be bound");
    }

    @Override
    protected void doDisconnect() throws Exception {
        doClose();
    }

    @Override
    protected void doClose() throws Exception {
        open = false;
        IOException failure = null;
        if (!inputShutdown) {
            failure = closeIn(failure);
        }
        if (!outputShutdown) {
            failure = closeOut(failure);
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    protected void doDeregister() {
        cancel(inRegistration);
        cancel(outRegistration);
    }

    private IOException closeIn(IOException failure) {
        inputShutdown = true;
        cancel(inRegistration);
        PipeSizes.release(inGrown);
        inGrown = 0;
        return closeQuietly(inOwner, failure);
    }

    private IOException closeOut(IOException failure) {
        synchronized (writeLock) { // no direct write is under way, and none starts after this
            outputShutdown = true;
            cancel(outRegistration);
            PipeSizes.release(outGrown);
            outGrown = 0;
            return closeQuietly(outOwner, failure);
        }
    }

    /**
     * A pipe of this channel filled up: it carries bulk data, so it is grown (once, later, on
     * the loop, where its descriptor cannot be closed under the call).
     */
    private void filledUp(boolean input) {
        if (!(input ? inGrowAsked : outGrowAsked).compareAndSet(false, true) || !isRegistered()) {
            return;
        }
        PipeSizes.whenLoaded(eventLoop(), () -> {
            if (input && !inputShutdown) {
                inGrown = PipeSizes.grow(in.intValue());
            } else if (!input && !outputShutdown) {
                outGrown = PipeSizes.grow(out.intValue());
            }
        });
    }

    /** The sizes of the read and the write pipe in bytes (-1: none, or unknown). For tests. */
    public int[] pipeSizes() {
        return new int[] {in == null || inputShutdown ? -1 : PipeSizes.size(in.intValue()),
                out == null || outputShutdown ? -1 : PipeSizes.size(out.intValue())};
    }

    @Override
    public Object writeLock() {
        return writeLock;
    }

    @Override
    public int writeNow(ByteBuf buf) throws IOException {
        assert Thread.holdsLock(writeLock);
        if (!open || outputShutdown) {
            return -1;
        }
        int written = FdWrites.writeAvailable(out, buf);
        if (buf.isReadable()) {
            filledUp(false);
        }
        return written;
    }

    private static void cancel(IoRegistration registration) {
        if (registration != null) {
            registration.cancel();
        }
    }

    private static IOException closeQuietly(FdOwner owner, IOException failure) {
        try {
            owner.close();
        } catch (IOException e) {
            if (failure == null) {
                return e;
            }
            failure.addSuppressed(e);
        }
        return failure;
    }

    @Override
    protected void doShutdownOutput() throws Exception {
        if (!outputShutdown) {
            IOException failure = closeOut(null);
            if (failure != null) {
                throw failure;
            }
        }
    }

    @Override
    protected Object filterOutboundMessage(Object msg) {
        if (!(msg instanceof ByteBuf)) {
            throw new UnsupportedOperationException("unsupported message type: " + msg.getClass().getName()
                    + " (a pipe channel writes ByteBufs)");
        }
        ByteBuf buf = (ByteBuf) msg;
        if (buf.hasMemoryAddress() || buf.isDirect()) {
            return buf;
        }
        ByteBuf direct = alloc().directBuffer(buf.readableBytes());
        direct.writeBytes(buf, buf.readerIndex(), buf.readableBytes());
        buf.release();
        return direct;
    }

    /** Writes what was flushed; several buffers in one writev(2) (FdWrites.writeFlushed). */
    @Override
    protected void doWrite(ChannelOutboundBuffer buffer) throws Exception {
        for (;;) {
            Object msg = buffer.current();
            if (msg == null) {
                return;
            }
            ByteBuf buf = (ByteBuf) msg;
            if (!buf.isReadable()) {
                buffer.remove();
                continue;
            }
            if (outputShutdown) {
                throw new IOException("output of " + address + " is shut down");
            }
            long written = buffer.size() > 1 ? FdWrites.writeFlushed(out, buffer) : FdWrites.writeSome(out, buf);
            if (written <= 0) {
                filledUp(false);
                return; // pipe full: the edge-triggered EPOLLOUT resumes us
            }
            buffer.removeBytes(written);
        }
    }

    // DuplexChannel: only the output side can be shut down on its own.

    @Override
    public boolean isInputShutdown() {
        return inputShutdown;
    }

    @Override
    public ChannelFuture shutdownInput() {
        return shutdownInput(newPromise());
    }

    @Override
    public ChannelFuture shutdownInput(ChannelPromise promise) {
        return promise.setFailure(new UnsupportedOperationException(
                "a pipe's input cannot be shut down alone; close the channel"));
    }

    @Override
    public boolean isOutputShutdown() {
        return outputShutdown;
    }

    @Override
    public ChannelFuture shutdownOutput() {
        return shutdownOutput(newPromise());
    }

    @Override
    public ChannelFuture shutdownOutput(ChannelPromise promise) {
        if (eventLoop().inEventLoop()) {
            ((PipeUnsafe) unsafe()).shutdownOutput(promise);
        } else {
            eventLoop().execute(() -> ((PipeUnsafe) unsafe()).shutdownOutput(promise));
        }
        return promise;
    }

    @Override
    public boolean isShutdown() {
        return inputShutdown && outputShutdown;
    }

    @Override
    public ChannelFuture shutdown() {
        return close();
    }

    @Override
    public ChannelFuture shutdown(ChannelPromise promise) {
        return close(promise);
    }

    private final class PipeUnsafe extends AbstractUnsafe {
        @Override
        public void connect(SocketAddress remote, SocketAddress local, ChannelPromise promise) {
            promise.setFailure(new UnsupportedOperationException("a pipe is connected when made"));
        }

        void writable() {
            flush0();
        }

        void readReady() {
            ChannelPipeline pipeline = pipeline();
            RecvByteBufAllocator.Handle handle = recvBufAllocHandle();
            handle.reset(config);
            boolean endOfStream = false;
            long total = 0;
            try {
                do {
                    ByteBuf buf = handle.allocate(alloc());
                    handle.attemptedBytesRead(buf.writableBytes());
                    int n = read(buf);
                    if (n <= 0) {
                        buf.release();
                        endOfStream = n < 0;
                        handle.lastBytesRead(n < 0 ? -1 : 0);
                        break;
                    }
                    buf.writerIndex(buf.writerIndex() + n);
                    total += n;
                    handle.lastBytesRead(n);
                    handle.incMessagesRead(1);
                    pipeline.fireChannelRead(buf);
                    // A handler may have closed the channel, and so the descriptor: stop reading it.
                } while (open && handle.continueReading());
                if (total >= FULL_PIPE_BYTES) {
                    filledUp(true); // a pipe's worth waited at once: bulk data
                }
                handle.readComplete();
                pipeline.fireChannelReadComplete();
            } catch (IOException e) {
                handle.readComplete();
                pipeline.fireChannelReadComplete();
                pipeline.fireExceptionCaught(e);
                endOfStream = true;
            }
            if (endOfStream) {
                close(voidPromise());
            }
        }

        private int read(ByteBuf buf) throws IOException {
            if (buf.hasMemoryAddress()) {
                return in.readAddress(buf.memoryAddress(), buf.writerIndex(), buf.capacity());
            }
            ByteBuffer nio = buf.internalNioBuffer(buf.writerIndex(), buf.writableBytes());
            return in.read(nio, nio.position(), nio.limit());
        }
    }

    /** The read descriptor's registration on the loop. */
    private final class ReadHandle implements EpollIoHandle {
        @Override
        public FileDescriptor fd() {
            return in;
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            if (open && !inputShutdown) {
                ((PipeUnsafe) unsafe()).readReady();
            }
        }

        @Override
        public void close() {
            unsafe().close(unsafe().voidPromise());
        }
    }

    /** The write descriptor's registration on the loop. */
    private final class WriteHandle implements EpollIoHandle {
        @Override
        public FileDescriptor fd() {
            return out;
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            if (open && !outputShutdown) {
                // Also on EPOLLERR (reader gone): the write then fails with EPIPE and closes us.
                ((PipeUnsafe) unsafe()).writable();
            }
        }

        @Override
        public void close() {
            unsafe().close(unsafe().voidPromise());
        }
    }

    /** The address of a pipe: only a name. */
    public static final class PipeAddress extends SocketAddress {
        private static final long serialVersionUID = 1L;
        private final String name;

        PipeAddress(String name) {
            this.name = name;
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
