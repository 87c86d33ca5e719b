package dev.procwire;

import dev.procwire.transport.FrameLimits;
import dev.procwire.transport.internal.FdEndpoint;
import java.io.Closeable;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicInteger;
import org.newsclub.net.unix.AFPipe;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.FileDescriptorAccess;

/**
 * Python's {@code multiprocessing.Pipe()}: two connected {@link Connection} ends.
 *
 * <pre>{@code
 * Pipe.Ends pipe = Pipe.open();                  // parent_conn, child_conn = Pipe()
 * pipe.second().send(List.of(42, "hello"));      // child_conn.send([42, 'hello'])
 * System.out.println(pipe.first().receive());    // print(parent_conn.recv())
 * }</pre>
 *
 * <p>A duplex pipe is a Unix domain socket pair: both ends send and receive. A one-way pipe
 * ({@code duplex = false}) is an anonymous pipe, as {@code os.pipe()} makes: the first end only
 * receives and the second only sends, as in Python. Either end can be handed to a child process
 * when it starts, so that two processes talk without the runtime in between. The descriptors are
 * close-on-exec: no other child process inherits them by accident, so closing an end (or the
 * death of the process that holds it) is always seen by the other.
 */
public final class Pipe {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int PAIR_TIMEOUT_MILLIS = 10_000;

    private Pipe() {}

    /**
     * The two ends of a pipe. Closing the pair closes both ends.
     *
     * @param first in a one-way pipe, the end that receives
     * @param second in a one-way pipe, the end that sends
     */
    public record Ends(Connection first, Connection second) implements AutoCloseable {
        @Override
        public void close() {
            try {
                first.close();
            } finally {
                second.close();
            }
        }
    }

    /** A duplex pipe with the default maximum message size (64 MiB): Python's {@code Pipe()}. */
    public static Ends open() throws IOException {
        return open(true);
    }

    /**
     * A pipe with the default maximum message size (64 MiB): duplex, or one-way from the second
     * end to the first (Python's {@code Pipe(duplex=False)}).
     */
    public static Ends open(boolean duplex) throws IOException {
        return open(duplex, FrameLimits.DEFAULT_MAX_FRAME_BYTES);
    }

    /**
     * A pipe whose ends send and accept messages of at most {@code maxMessageBytes} encoded.
     *
     * @throws IOException if the operating system cannot make one (out of descriptors)
     * @throws IllegalArgumentException if {@code maxMessageBytes} is not positive
     */
    public static Ends open(boolean duplex, int maxMessageBytes) throws IOException {
        FrameLimits.checkMax(maxMessageBytes);
        String name = "pipe-" + COUNTER.incrementAndGet();
        if (duplex) {
            AFUNIXSocket[] pair = connectedPair();
            try {
                pair[0].getChannel().configureBlocking(false);
                pair[1].getChannel().configureBlocking(false);
                return ends(name, Connection.Mode.DUPLEX, pair[0], Connection.Mode.DUPLEX, pair[1], maxMessageBytes);
            } catch (IOException | RuntimeException e) {
                closeQuietly(e, pair);
                throw e;
            }
        }
        AFPipe pipe = AFPipe.open();
        try {
            pipe.source().configureBlocking(false);
            pipe.sink().configureBlocking(false);
            return ends(name, Connection.Mode.RECEIVE, pipe.source(), Connection.Mode.SEND, pipe.sink(),
                    maxMessageBytes);
        } catch (IOException | RuntimeException e) {
            closeQuietly(e, pipe.source(), pipe.sink());
            throw e;
        }
    }

    /**
     * Two connected Unix stream sockets: what {@code socketpair(2)} makes, made by connecting to a
     * listener at a random name in the abstract namespace, which is closed at once (no file).
     * Not {@code AFUNIXSocketPair}: junixsocket 2.10.1 leaks two sockets for each pair it makes.
     * The accepted peer must be this process (its kernel-given pid), so no other process can
     * slip in between.
     */
    private static AFUNIXSocket[] connectedPair() throws IOException {
        byte[] random = new byte[16];
        RANDOM.nextBytes(random);
        AFUNIXSocketAddress address = AFUNIXSocketAddress.inAbstractNamespace("procwire-pipe-"
                + ProcessHandle.current().pid() + "-" + HexFormat.of().formatHex(random));
        try (AFUNIXServerSocket server = AFUNIXServerSocket.bindOn(address)) {
            server.setSoTimeout(PAIR_TIMEOUT_MILLIS);
            AFUNIXSocket a = AFUNIXSocket.connectTo(address);
            try {
                while (true) {
                    AFUNIXSocket b = server.accept();
                    if (b.getPeerCredentials().getPid() == ProcessHandle.current().pid()) {
                        return new AFUNIXSocket[] {a, b};
                    }
                    b.close(); // another process raced to the name: not ours
                }
            } catch (IOException | RuntimeException e) {
                a.close();
                throw e;
            }
        }
    }

    private static Ends ends(String name, Connection.Mode firstMode, FileDescriptorAccess first,
                             Connection.Mode secondMode, FileDescriptorAccess second, int max) throws IOException {
        Connection a = Connection.over(first.getFileDescriptor(), plainClose(first), firstMode, name + " (first end)", max);
        try {
            return new Ends(a, Connection.over(second.getFileDescriptor(), plainClose(second), secondMode,
                    name + " (second end)", max));
        } catch (IOException | RuntimeException e) {
            a.close();
            throw e;
        }
    }

    /**
     * Closes {@code channel}'s descriptor with a plain {@code close(2)}. junixsocket's own close
     * shuts a socket down first, which would end it for every process holding a copy (such as
     * the child an end was handed to). The channel object stays referenced from here until
     * then, so that no cleaner of its closes the descriptor under the connection.
     */
    private static FdEndpoint.Owner plainClose(FileDescriptorAccess channel) {
        return () -> {
            FileDescriptor fd = channel.getFileDescriptor();
            if (fd.valid()) {
                new FileInputStream(fd).close();
            }
        };
    }

    private static void closeQuietly(Exception failure, Closeable... all) {
        for (Closeable c : all) {
            try {
                c.close();
            } catch (IOException e) {
                failure.addSuppressed(e);
            }
        }
    }
}
