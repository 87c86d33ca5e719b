package dev.procwire;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import dev.procwire.proto.v1.Frame;
import dev.procwire.transport.FrameLimits;
import dev.procwire.transport.Termination;
import dev.procwire.transport.TransportException;
import dev.procwire.transport.fifo.FifoEnd;
import dev.procwire.transport.fifo.FifoTimeoutException;
import dev.procwire.transport.fifo.Fifos;
import dev.procwire.transport.internal.FdEndpoint;
import dev.procwire.transport.internal.FdReader;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * A named pipe (FIFO) at a path of the user's choosing, as the seed document describes them: an
 * anonymous pipe with a name in the file system, which any process can open, and which stays
 * there until it is {@link #remove() removed}, after the processes that used it are gone. It is
 * what {@code os.mkfifo(path)} makes in Python.
 *
 * <pre>{@code
 * NamedPipe fifo = NamedPipe.create(Path.of("/tmp/jobs"));          // mode 0600
 * // elsewhere: sh -c 'echo hello > /tmp/jobs'
 * try (NamedPipe.Reader in = fifo.openReader(Duration.ofSeconds(10))) {
 *     System.out.println(in.readLine());                             // hello
 * }
 * fifo.remove();
 * }</pre>
 *
 * <p>Opening waits for the other side: a reader until some process opens the FIFO for writing,
 * a writer until one opens it for reading. Every open has a timeout, and ends with a
 * {@link FifoTimeoutException} naming the path. A {@link Reader} reads text lines (UTF-8) and
 * protobuf messages with a varint length prefix ({@link Frame}s, or any message type), as its
 * writer wrote them; it sees end of stream when every writer has closed the FIFO. A
 * {@link Writer} writes them; each line or frame is one {@code write}, so lines and frames of up
 * to 4096 bytes from several writers never interleave.
 *
 * <p>Thread safety: a {@code NamedPipe} is an immutable path. A Reader and a Writer may each be
 * used from any thread; their reads (or writes) take turns, and {@code close()} from another
 * thread ends a waiting read or write at once.
 */
public final class NamedPipe {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final Path path;

    private NamedPipe(Path path) {
        this.path = path;
    }

    /** Creates a FIFO at {@code path} that only this user can open (mode 0600). */
    public static NamedPipe create(Path path) throws IOException {
        return create(path, OWNER_ONLY);
    }

    /**
     * Creates a FIFO at {@code path} with {@code permissions}.
     *
     * @throws FileAlreadyExistsException naming the path if something is there already (saying
     *     whether it is a FIFO, which {@link #of} would use)
     * @throws NoSuchFileException if its folder does not exist
     * @throws FileSystemException naming the path if its "folder" is not a folder
     * @throws AccessDeniedException if this user may not create files in the folder
     * @throws IOException naming the path if it cannot be made otherwise
     */
    public static NamedPipe create(Path path, Set<PosixFilePermission> permissions) throws IOException {
        Objects.requireNonNull(permissions, "permissions");
        Path fifo = path.toAbsolutePath().normalize();
        if (Files.exists(fifo, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(fifo.toString(), null, Fifos.isFifo(fifo)
                    ? "a FIFO exists there already (NamedPipe.of uses it)"
                    : "cannot create a FIFO there: it exists and is not a FIFO");
        }
        Path folder = fifo.getParent();
        if (folder != null && !Files.isDirectory(folder)) {
            if (Files.exists(folder)) {
                throw new FileSystemException(fifo.toString(), null,
                        "cannot create a FIFO there: " + folder + " is not a folder");
            }
            throw new NoSuchFileException(fifo.toString(), null, "cannot create a FIFO there: no folder " + folder);
        }
        if (folder != null && !Files.isWritable(folder)) {
            throw new AccessDeniedException(fifo.toString(), null,
                    "cannot create a FIFO there: no permission to create files in " + folder);
        }
        Fifos.create(fifo);
        if (!permissions.equals(OWNER_ONLY)) {
            try {
                Files.setPosixFilePermissions(fifo, permissions);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(fifo);
                throw e;
            }
        }
        return new NamedPipe(fifo);
    }

    /**
     * The FIFO that exists at {@code path}, made by anyone ({@code mkfifo} in a shell, say).
     *
     * @throws NoSuchFileException if nothing is there
     * @throws IOException naming the path and what it is if it is not a FIFO
     */
    public static NamedPipe of(Path path) throws IOException {
        Path fifo = path.toAbsolutePath().normalize();
        Fifos.requireFifo(fifo);
        return new NamedPipe(fifo);
    }

    /** Where the FIFO is. */
    public Path path() {
        return path;
    }

    /** Whether the FIFO is still there. */
    public boolean exists() {
        try {
            return Fifos.isFifo(path);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Opens the FIFO for reading, waiting at most {@code timeout} for a process to open it for
     * writing. Frames and lines may be up to 64 MiB.
     *
     * @throws FifoTimeoutException naming the path if no writer came in time
     * @throws IOException naming the path if it is gone or no longer a FIFO
     */
    public Reader openReader(Duration timeout) throws IOException {
        return openReader(timeout, FrameLimits.DEFAULT_MAX_FRAME_BYTES);
    }

    /** As {@link #openReader(Duration)}, accepting frames and lines of at most {@code maxBytes}. */
    public Reader openReader(Duration timeout, int maxBytes) throws IOException {
        FrameLimits.checkMax(maxBytes);
        return new Reader(FifoEnd.openForReading(path, timeout), path, maxBytes);
    }

    /**
     * Opens the FIFO for writing, waiting at most {@code timeout} for a process to open it for
     * reading.
     *
     * @throws FifoTimeoutException naming the path if no reader came in time
     * @throws IOException naming the path if it is gone or no longer a FIFO
     */
    public Writer openWriter(Duration timeout) throws IOException {
        return openWriter(timeout, FrameLimits.DEFAULT_MAX_FRAME_BYTES);
    }

    /** As {@link #openWriter(Duration)}, refusing frames larger than {@code maxBytes}. */
    public Writer openWriter(Duration timeout, int maxBytes) throws IOException {
        FrameLimits.checkMax(maxBytes);
        return new Writer(FifoEnd.openForWriting(path, timeout), path, maxBytes);
    }

    /**
     * Removes the FIFO from the file system; processes that have it open go on using it.
     * Idempotent.
     *
     * @throws IOException naming the path if what is there now is not a FIFO (it is left alone)
     */
    public void remove() throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Fifos.requireFifo(path);
        Files.deleteIfExists(path);
    }

    @Override
    public String toString() {
        return "NamedPipe[" + path + "]";
    }

    /** The reading end of an opened FIFO. */
    public static final class Reader implements AutoCloseable {
        private final FdEndpoint in;
        private final FdReader reader;
        private final Path path;
        private final int maxBytes;

        private Reader(FdEndpoint in, Path path, int maxBytes) {
            this.in = in;
            this.reader = new FdReader(in);
            this.path = path;
            this.maxBytes = maxBytes;
        }

        /**
         * The next line, without its line end, waiting for it as long as it takes; {@code null}
         * at end of stream (every writer closed the FIFO; a later writer may write more).
         *
         * @throws TransportException of kind FRAME_TOO_LARGE for a line over the maximum, or
         *     LOCAL_SHUTDOWN if this reader was closed
         */
        public String readLine() throws IOException {
            return readLine(null);
        }

        /**
         * As {@link #readLine()}, waiting at most {@code timeout}.
         *
         * @throws SocketTimeoutException if no whole line came in time (what came is kept)
         */
        public synchronized String readLine(Duration timeout) throws IOException {
            try {
                return reader.readLine(maxBytes, deadline(timeout));
            } catch (SocketTimeoutException e) {
                throw timedOut("line", timeout);
            }
        }

        /** The next {@link Frame}, waiting as long as it takes; {@code null} at end of stream. */
        public Frame readFrame() throws IOException {
            return readMessage(Frame.parser(), null);
        }

        /** As {@link #readFrame()}, waiting at most {@code timeout}. */
        public Frame readFrame(Duration timeout) throws IOException {
            return readMessage(Frame.parser(), timeout);
        }

        /**
         * The next length-delimited protobuf message, parsed by {@code parser}, waiting at most
         * {@code timeout} ({@code null}: as long as it takes); {@code null} at end of stream.
         *
         * @throws SocketTimeoutException if no whole message came in time (what came is kept)
         * @throws TransportException of kind TRUNCATED (the writer died inside one),
         *     FRAME_TOO_LARGE (refused unread), PROTOCOL_ERROR (not a message of that type) or
         *     LOCAL_SHUTDOWN
         */
        public synchronized <T> T readMessage(Parser<T> parser, Duration timeout) throws IOException {
            byte[] body;
            try {
                body = reader.readDelimited(maxBytes, deadline(timeout));
            } catch (SocketTimeoutException e) {
                throw timedOut("frame", timeout);
            }
            if (body == null) {
                return null;
            }
            try {
                return parser.parseFrom(body);
            } catch (InvalidProtocolBufferException e) {
                throw new TransportException(Termination.Kind.PROTOCOL_ERROR,
                        "FIFO " + path + ": a frame that is not a valid message: " + e.getMessage(), e);
            }
        }

        private static long deadline(Duration timeout) {
            return timeout == null ? FdEndpoint.NO_DEADLINE : System.nanoTime() + Math.max(0, timeout.toNanos());
        }

        private SocketTimeoutException timedOut(String what, Duration timeout) {
            return new SocketTimeoutException("no whole " + what + " on FIFO " + path + " within "
                    + timeout.toMillis() + " ms");
        }

        /** Closes this reader (the FIFO stays); a read waiting in another thread ends. Idempotent. */
        @Override
        public void close() throws IOException {
            in.close();
        }

        @Override
        public String toString() {
            return "NamedPipe.Reader[" + path + "]";
        }
    }

    /** The writing end of an opened FIFO. */
    public static final class Writer implements AutoCloseable {
        private final FdEndpoint out;
        private final Path path;
        private final int maxBytes;

        private Writer(FdEndpoint out, Path path, int maxBytes) {
            this.out = out;
            this.path = path;
            this.maxBytes = maxBytes;
        }

        /**
         * Writes {@code line} and a {@code \n}, in UTF-8, waiting while the FIFO is full.
         *
         * @throws TransportException of kind PEER_CLOSED if every reader has closed the FIFO,
         *     or LOCAL_SHUTDOWN if this writer was closed
         */
        public void writeLine(String line) throws IOException {
            write((line + "\n").getBytes(StandardCharsets.UTF_8));
        }

        /** Writes {@code bytes} as they are. Errors as for {@link #writeLine}. */
        public synchronized void write(byte[] bytes) throws IOException {
            out.write(bytes, 0, bytes.length);
        }

        /** Writes {@code frame} with its varint length prefix. */
        public void writeFrame(Frame frame) throws IOException {
            writeMessage(frame);
        }

        /**
         * Writes {@code message} with its varint length prefix, as {@code writeDelimitedTo} does.
         *
         * @throws TransportException of kind FRAME_TOO_LARGE if it is larger than the maximum
         *     (nothing is written); otherwise as for {@link #writeLine}
         */
        public void writeMessage(MessageLite message) throws IOException {
            int size = message.getSerializedSize();
            if (size > maxBytes) {
                throw new TransportException(Termination.Kind.FRAME_TOO_LARGE,
                        "FIFO " + path + ": " + FrameLimits.tooLarge(size, maxBytes) + "; not written");
            }
            synchronized (this) {
                out.writeDelimited(message);
            }
        }

        /**
         * Closes this writer (the FIFO stays); readers see end of stream once every writer has
         * closed it. Idempotent.
         */
        @Override
        public void close() throws IOException {
            out.close();
        }

        @Override
        public String toString() {
            return "NamedPipe.Writer[" + path + "]";
        }
    }
}
