package dev.procwire.transport.internal;

import dev.procwire.proto.v1.ErrorCode;
import dev.procwire.proto.v1.Frame;
import dev.procwire.proto.v1.ProtocolError;
import dev.procwire.transport.FrameLimits;
import dev.procwire.transport.Frames;
import dev.procwire.transport.Termination;
import dev.procwire.transport.Transport;
import dev.procwire.transport.TransportException;
import dev.procwire.transport.codec.FrameEncoder;
import dev.procwire.transport.codec.FramePipeline;
import dev.procwire.transport.codec.VarintFrameDecoder;
import dev.procwire.transport.codec.VarintFrameDecoder.TruncatedFrameException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link Transport} over any Netty {@link DuplexChannel}: the frame codec from
 * {@link FramePipeline} plus a handler that turns channel events into listener calls and one
 * {@link Termination}. Transports for pipes, FIFOs and sockets differ only in the channel they
 * build. Internal.
 */
public class ChannelTransport implements Transport {
    /** How long a graceful shutdown waits for the peer to close its side. */
    public static final long DRAIN_TIMEOUT_MILLIS = 10_000;

    private final DuplexChannel channel;
    private final EventLoopGroup group;
    private final String name;
    private final int maxFrameBytes;
    private final AtomicBoolean started = new AtomicBoolean();
    private final CompletableFuture<Termination> termination = new CompletableFuture<>();
    private volatile boolean shuttingDown;
    private volatile Termination pending;
    private Listener listener;
    /** The channel, if the sending thread may write to it itself (see {@link DirectWritable}). */
    private final DirectWritable direct;
    /** Frames handed to the loop and not yet written; guarded by the direct write lock. */
    private int queued;
    /** Set once a last error frame is on its way: no direct write may cut into it. Same lock. */
    private boolean loopWritesOnly;
    /** Frames are being delivered from one read of the channel; event loop only. */
    private boolean inRead;
    /**
     * Frames the listener sent during that read, waiting for one flush at its end (with a direct
     * writer: the queued frames that are such answers, compared under the write lock); event loop
     * only.
     */
    private int deferred;

    protected ChannelTransport(DuplexChannel channel, EventLoopGroup group, String name, int maxFrameBytes) {
        this(channel, channel instanceof DirectWritable d ? d : null, group, name, maxFrameBytes);
    }

    /**
     * @param direct how a sending thread writes to the channel itself, or null (every frame then
     *     goes through the event loop); if it is {@link AutoCloseable}, it is closed when the
     *     channel is
     */
    protected ChannelTransport(DuplexChannel channel, DirectWritable direct, EventLoopGroup group, String name,
                               int maxFrameBytes) {
        this.channel = Objects.requireNonNull(channel, "channel");
        channel.config().setAllocator(TransportAllocator.INSTANCE); // why: see there
        this.direct = direct;
        channel.closeFuture().addListener(f -> closeDirect());
        this.group = Objects.requireNonNull(group, "group");
        this.name = Objects.requireNonNull(name, "name");
        this.maxFrameBytes = FrameLimits.checkMax(maxFrameBytes);
    }

    @Override
    public void start(Listener listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (this) { // with closeIfUnstarted: once started, the channel has its event loop
            if (!started.compareAndSet(false, true)) {
                throw new IllegalStateException(name + " is already started");
            }
            this.listener = listener;
            VarintFrameDecoder framer = FramePipeline.install(channel.pipeline(), maxFrameBytes);
            channel.config().setRecvByteBufAllocator(new FrameSizedReads(framer::bytesWanted));
            channel.pipeline().addLast("transport", new Handler());
            group.register(channel).addListener(f -> {
                if (!f.isSuccess()) {
                    terminate(new Termination(Termination.Kind.IO_ERROR,
                            name + ": could not register on the event loop: " + f.cause(), f.cause()));
                    channel.unsafe().closeForcibly();
                }
            });
        }
    }

    @Override
    public CompletableFuture<Void> send(Frame frame) {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        if (shuttingDown || !channel.isOpen() || channel.isOutputShutdown()) {
            sent.completeExceptionally(closed(null));
            return sent;
        }
        int size = frame.getSerializedSize();
        if (size > maxFrameBytes) {
            sent.completeExceptionally(new TransportException(Termination.Kind.FRAME_TOO_LARGE,
                    name + ": " + FrameLimits.tooLarge(size, maxFrameBytes) + "; frame not sent"));
            return sent;
        }
        if (direct == null) {
            if (answeringRead()) {
                writeAtEndOfRead(frame, sent);
            } else {
                channel.writeAndFlush(frame).addListener(f -> written(f, sent));
            }
            return sent;
        }
        synchronized (direct.writeLock()) {
            if (answeringRead() && queued == deferred && !loopWritesOnly) {
                // Nothing but this read's own answers is queued: this one goes out with them.
                queued++;
                writeAtEndOfRead(frame, sent);
                return sent;
            }
            if (queued > 0 || loopWritesOnly || !started.get()) {
                queued++; // after the frames the loop still has to write
                if (channel.isRegistered() && channel.eventLoop().inEventLoop()) {
                    // A write from the loop's own thread would go out at once, ahead of the
                    // writes other threads queued as tasks (the rest of a frame among them):
                    // it queues behind them instead.
                    channel.eventLoop().execute(() -> writeThroughLoop(frame, sent));
                } else {
                    writeThroughLoop(frame, sent);
                }
                return sent;
            }
            ByteBuf bytes = null;
            try {
                bytes = FrameEncoder.encode(channel.alloc(), frame, size);
                int n = direct.writeNow(bytes);
                if (n < 0) {
                    sent.completeExceptionally(closed(null));
                } else if (!bytes.isReadable()) {
                    sent.complete(null);
                } else {
                    queued++; // the descriptor is full: the loop writes the rest when it drains
                    ByteBuf rest = bytes;
                    bytes = null;
                    writeThroughLoop(rest, sent);
                }
            } catch (IOException | RuntimeException e) {
                if (shuttingDown) { // the output was shut down under this send
                    sent.completeExceptionally(closed(e));
                } else {
                    sent.completeExceptionally(new TransportException(Termination.Kind.IO_ERROR,
                            name + ": send failed: " + e.getMessage(), e));
                    channel.close(); // as the loop does after a failed write
                }
            } finally {
                if (bytes != null) {
                    bytes.release();
                }
            }
        }
        return sent;
    }

    /** Whether this is the listener sending while it hears the frames of one read (event loop). */
    private boolean answeringRead() {
        return inRead && channel.eventLoop().inEventLoop();
    }

    /**
     * Writes {@code frame} without flushing: the frames the listener sends while it hears one read
     * go out together when that read ends, in one write, as Netty's handlers flush on
     * channelReadComplete (a pool answering a batch of results with a batch of tasks). Only when
     * nothing else is queued (but earlier answers of the same read): a frame queued by another
     * thread (the rest of a partly written one) must go first.
     */
    private void writeAtEndOfRead(Frame frame, CompletableFuture<Void> sent) {
        deferred++;
        channel.write(frame).addListener(f -> written(f, sent));
    }

    private TransportException closed(Throwable cause) {
        return new TransportException(Termination.Kind.LOCAL_SHUTDOWN, name + " is closed; frame not sent", cause);
    }

    private void writeThroughLoop(Object frameOrBytes, CompletableFuture<Void> sent) {
        channel.writeAndFlush(frameOrBytes).addListener(f -> written(f, sent));
    }

    /** A write through the loop has ended: direct writes may resume once none is left. */
    private void written(io.netty.util.concurrent.Future<? super Void> f, CompletableFuture<Void> sent) {
        if (direct != null) {
            synchronized (direct.writeLock()) {
                queued--;
            }
        }
        if (f.isSuccess()) {
            sent.complete(null);
        } else {
            sent.completeExceptionally(new TransportException(Termination.Kind.IO_ERROR,
                    name + ": send failed: " + f.cause().getMessage(), f.cause()));
        }
    }

    /** From now on every frame goes through the loop (which writes a last error, then closes). */
    private void noMoreDirectWrites() {
        if (direct != null) {
            synchronized (direct.writeLock()) {
                loopWritesOnly = true;
            }
        }
    }

    /** Closes the direct writer, if it is one that holds something (a duplicated descriptor). */
    private void closeDirect() {
        if (direct instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                // nothing more to release
            }
        }
    }

    @Override
    public void shutdown() {
        if (shuttingDown) {
            return;
        }
        shuttingDown = true;
        pending(new Termination(Termination.Kind.LOCAL_SHUTDOWN, name + " shut down", null));
        if (closeIfUnstarted()) {
            return;
        }
        // Started: the channel has its event loop, though it may not be registered yet; this task
        // runs after the registration.
        channel.eventLoop().execute(() -> {
            // An empty buffer written below the frame encoder completes after every frame
            // queued before it is written; only then is the output closed.
            ChannelHandlerContext below = channel.pipeline().context(FramePipeline.FRAME_ENCODER);
            if (below == null) { // already closed (by the peer): its handlers are gone
                channel.close();
                return;
            }
            below.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written ->
                    channel.shutdownOutput().addListener(f -> {
                        if (!f.isSuccess()) {
                            channel.close();
                        }
                    }));
            channel.eventLoop().schedule(() -> {
                channel.close();
            }, DRAIN_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        });
    }

    @Override
    public void shutdownNow(String reason) {
        shuttingDown = true;
        pending(new Termination(Termination.Kind.LOCAL_SHUTDOWN, name + " closed: " + reason, null));
        if (!closeIfUnstarted()) {
            channel.close();
        }
    }

    /** Closes and terminates the transport if it was never started; returns whether it did. */
    private synchronized boolean closeIfUnstarted() {
        if (started.get()) {
            return false;
        }
        channel.unsafe().closeForcibly(); // no event loop to close it on
        closeDirect();
        terminate(pending);
        return true;
    }

    @Override
    public CompletableFuture<Termination> termination() {
        return termination;
    }

    @Override
    public String name() {
        return name;
    }

    /** The channel, for subclasses and tests. */
    protected DuplexChannel channel() {
        return channel;
    }

    private synchronized void pending(Termination t) {
        if (pending == null) {
            pending = t;
        }
    }

    private void terminate(Termination t) {
        if (termination.isDone()) {
            return;
        }
        try {
            if (listener != null) {
                listener.onTerminated(t);
            }
        } finally {
            termination.complete(t);
        }
    }

    private Termination classify(Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (cause instanceof TooLongFrameException) {
            return new Termination(Termination.Kind.FRAME_TOO_LARGE, name + ": " + cause.getMessage(), cause);
        }
        if (cause instanceof TruncatedFrameException || root instanceof TruncatedFrameException) {
            return new Termination(Termination.Kind.TRUNCATED, name + ": " + root.getMessage(), cause);
        }
        if (cause instanceof DecoderException) {
            return new Termination(Termination.Kind.PROTOCOL_ERROR,
                    name + ": malformed frame: " + root.getMessage(), cause);
        }
        if (cause instanceof IOException) {
            return new Termination(Termination.Kind.IO_ERROR, name + ": " + cause.getMessage(), cause);
        }
        return new Termination(Termination.Kind.PROTOCOL_ERROR, name + ": " + cause, cause);
    }

    /** Turns channel events into listener calls. Runs on the channel's event loop. */
    private final class Handler extends SimpleChannelInboundHandler<Frame> {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            inRead = true;
            super.channelRead(ctx, msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            inRead = false;
            if (deferred > 0) {
                deferred = 0; // flushed: from now on they are queued like any other write
                ctx.flush();
            }
            ctx.fireChannelReadComplete();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
            if (pending != null && pending.kind() != Termination.Kind.LOCAL_SHUTDOWN) {
                return; // after a protocol error nothing more is delivered
            }
            String malformed = Frames.malformed(frame);
            if (malformed != null) {
                fail(ctx, new Termination(Termination.Kind.PROTOCOL_ERROR, name + ": " + malformed, null));
                return;
            }
            listener.onFrame(frame);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(ctx, classify(cause));
        }

        private void fail(ChannelHandlerContext ctx, Termination t) {
            boolean first = pending == null;
            pending(t);
            if (!first || !ctx.channel().isActive()) {
                ctx.close();
                return;
            }
            ErrorCode code = Frames.protocolErrorCode(t.kind());
            if (code == null || channel.isOutputShutdown()) {
                ctx.close();
                return;
            }
            // Tell the peer why before closing, as PROTOCOL.md asks; best effort. No direct write
            // may cut into that frame.
            noMoreDirectWrites();
            Frame error = Frame.newBuilder().setProtocolError(
                    ProtocolError.newBuilder().setCode(code).setMessage(t.message())).build();
            ctx.writeAndFlush(error).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            // Deferred: the frame decoder reports a truncated last frame just after this event.
            ctx.executor().execute(() -> {
                Termination t = pending;
                terminate(t != null ? t : new Termination(Termination.Kind.PEER_CLOSED,
                        name + ": peer closed the connection", null));
            });
        }
    }
}
