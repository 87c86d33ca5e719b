package dev.procwire.transport.fifo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Creating and checking named FIFOs. Stateless; thread safe.
 *
 * <p>FIFOs are made by running {@code mkfifo} from coreutils: Java 17 has no API for
 * {@code mkfifo(3)} and procwire ships no JNI code of its own. One process start per call, so
 * {@link #create(Path...)} makes several FIFOs at once.
 */
public final class Fifos {
    private static final int S_IFMT = 0170000;
    private static final int S_IFIFO = 0010000;
    private static final long MKFIFO_TIMEOUT_SECONDS = 10;

    private Fifos() {}

    /**
     * Creates each path as a FIFO with mode 0600.
     *
     * @throws IOException naming the path and what {@code mkfifo} said if any cannot be made
     *     (it exists already, its folder is missing or not writable), or if {@code mkfifo} is
     *     not installed
     */
    public static void create(Path... paths) throws IOException {
        if (paths.length == 0) {
            return;
        }
        List<String> command = new ArrayList<>(List.of("mkfifo", "-m", "600", "--"));
        for (Path p : paths) {
            command.add(p.toAbsolutePath().toString());
        }
        Process mkfifo;
        try {
            mkfifo = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot create FIFO " + paths[0] + ": could not run mkfifo (coreutils): "
                    + e.getMessage(), e);
        }
        try {
            mkfifo.getOutputStream().close();
            byte[] said = mkfifo.getInputStream().readAllBytes();
            if (!mkfifo.waitFor(MKFIFO_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new IOException("cannot create FIFO " + paths[0] + ": mkfifo did not finish within "
                        + MKFIFO_TIMEOUT_SECONDS + " s");
            }
            if (mkfifo.exitValue() != 0) {
                throw new IOException("cannot create FIFO " + (paths.length == 1 ? paths[0] : List.of(paths))
                        + ": " + new String(said, StandardCharsets.UTF_8).strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while creating FIFO " + paths[0], e);
        } finally {
            mkfifo.destroyForcibly();
        }
    }

    /** Whether {@code path} is a FIFO (not following a symbolic link). */
    public static boolean isFifo(Path path) throws IOException {
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return (mode & S_IFMT) == S_IFIFO;
    }

    /**
     * Checks that {@code path} exists and is a FIFO.
     *
     * @throws IOException naming the path and what it is instead
     */
    public static void requireFifo(Path path) throws IOException {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(path.toString(), null, "no such FIFO");
        }
        if ((mode & S_IFMT) != S_IFIFO) {
            throw new IOException(path + " exists and is not a FIFO (it is " + kind(mode) + ")");
        }
    }

    private static String kind(int mode) {
        return switch (mode & S_IFMT) {
            case 0100000 -> "a regular file";
            case 0040000 -> "a folder";
            case 0120000 -> "a symbolic link";
            case 0140000 -> "a socket";
            case 0020000 -> "a character device";
            case 0060000 -> "a block device";
            default -> "of file type " + Integer.toOctalString(mode & S_IFMT);
        };
    }
}
