package dev.procwire.transport.fifo;

import dev.procwire.transport.RuntimeDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * The two named FIFOs (mode 0600) that connect the runtime with one child, in the runtime's
 * private {@link RuntimeDirectory}: the child reads {@link #toChild()} and writes
 * {@link #fromChild()}.
 *
 * <p>Use: {@link #create}, start the child with {@link #childEnvironment()} (or the paths on its
 * command line), then {@link #openRuntimeEnds}, which waits for the child to open its ends and
 * removes both files as soon as both sides have them open (or have given up): from then on
 * nothing is left on disk, whether the connection closes cleanly or the child crashes. A
 * runtime killed meanwhile leaves them in its folder, which the next runtime sweeps.
 *
 * <p>Thread safety: {@link #openRuntimeEnds} may be called once; {@link #close()} is idempotent
 * and may be called from any thread.
 */
public final class FifoPair implements AutoCloseable {
    /** Environment variable proposed for the FIFO the worker reads its protocol input from. */
    public static final String ENV_TO_CHILD = "PROCWIRE_FIFO_IN";
    /** Environment variable proposed for the FIFO the worker writes its protocol output to. */
    public static final String ENV_FROM_CHILD = "PROCWIRE_FIFO_OUT";

    private final Path toChild;
    private final Path fromChild;
    private boolean opened;

    private FifoPair(Path toChild, Path fromChild) {
        this.toChild = toChild;
        this.fromChild = fromChild;
    }

    /**
     * Creates the two FIFOs in {@code dir}.
     *
     * @throws IOException naming the path if {@code mkfifo} fails
     */
    public static FifoPair create(RuntimeDirectory dir) throws IOException {
        Path base = dir.newName("fifo");
        Path toChild = base.resolveSibling(base.getFileName() + "-to-child");
        Path fromChild = base.resolveSibling(base.getFileName() + "-from-child");
        Fifos.create(toChild, fromChild);
        return new FifoPair(toChild, fromChild);
    }

    /** The FIFO the runtime writes and the child reads. */
    public Path toChild() {
        return toChild;
    }

    /** The FIFO the child writes and the runtime reads. */
    public Path fromChild() {
        return fromChild;
    }

    /** {@link #ENV_TO_CHILD} and {@link #ENV_FROM_CHILD} with the two paths, for the child. */
    public Map<String, String> childEnvironment() {
        return Map.of(ENV_TO_CHILD, toChild.toString(), ENV_FROM_CHILD, fromChild.toString());
    }

    /**
     * Opens the runtime's ends, waiting at most {@code timeout} for {@code child} to open its
     * ends, then removes both files. The transport is not started.
     *
     * @param child the process that opens the other ends; waiting ends early if it exits
     * @throws FifoTimeoutException naming the FIFO the child did not open in time
     * @throws IOException if the child exited first, or a FIFO is missing or not a FIFO
     * @throws IllegalStateException if called twice
     */
    public FifoTransport openRuntimeEnds(String name, int maxFrameBytes, Duration timeout, ProcessHandle child)
            throws IOException {
        Objects.requireNonNull(child, "child");
        return open(fromChild, toChild, name, maxFrameBytes, timeout, child::isAlive);
    }

    /**
     * Opens the child's ends from this process, for a peer in the same JVM (tests, or a
     * {@code Pipe} connection); a child process opens them by path instead, with
     * {@link FifoTransport#open} or plain file streams.
     */
    public FifoTransport openChildEnds(String name, int maxFrameBytes, Duration timeout) throws IOException {
        return FifoTransport.open(toChild, fromChild, name, maxFrameBytes, timeout, () -> true);
    }

    private FifoTransport open(Path read, Path write, String name, int maxFrameBytes, Duration timeout,
                               java.util.function.BooleanSupplier peerAlive) throws IOException {
        synchronized (this) {
            if (opened) {
                throw new IllegalStateException("the runtime's ends of " + toChild + " and " + fromChild
                        + " were already opened");
            }
            opened = true;
        }
        try {
            return FifoTransport.open(read, write, name, maxFrameBytes, timeout, peerAlive);
        } finally {
            close();
        }
    }

    /** Removes both FIFO files, if still there. Open descriptors stay usable. Idempotent. */
    @Override
    public void close() throws IOException {
        try {
            Files.deleteIfExists(toChild);
        } finally {
            Files.deleteIfExists(fromChild);
        }
    }

    @Override
    public String toString() {
        return "FifoPair[" + toChild + ", " + fromChild + "]";
    }
}
