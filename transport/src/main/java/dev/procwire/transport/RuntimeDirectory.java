package dev.procwire.transport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A runtime's private folder (mode 0700) for its named FIFOs and Unix domain sockets, named
 * {@code procwire-<pid>-<random>} under the temp folder.
 *
 * <p>The folder is removed with everything in it by {@link #close()}, and by a shutdown hook if
 * the JVM exits without closing it. A runtime killed by SIGKILL cannot clean up; the first
 * {@code RuntimeDirectory} created in a parent folder by a JVM therefore sweeps that folder for
 * {@code procwire-<pid>-*} folders of this user whose pid is no longer alive and removes them.
 *
 * <p>Thread safety: every method may be called from any thread; {@link #close()} is idempotent.
 */
public final class RuntimeDirectory implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RuntimeDirectory.class.getName());
    private static final Pattern NAME = Pattern.compile("procwire-(\\d+)-[0-9a-f]+");
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Set<Path> SWEPT = ConcurrentHashMap.newKeySet();

    private final Path path;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread hook;
    private long counter;

    private RuntimeDirectory(Path path) {
        this.path = path;
        this.hook = new Thread(this::deleteQuietly, "procwire-rundir-cleanup");
    }

    /** Creates a runtime folder under {@code java.io.tmpdir}. */
    public static RuntimeDirectory create() throws IOException {
        return create(Path.of(System.getProperty("java.io.tmpdir")));
    }

    /**
     * Creates a runtime folder under {@code parent}, after sweeping {@code parent} for stale
     * folders of dead runtimes (once per parent and JVM).
     *
     * @throws IOException naming {@code parent} if it is missing, not a folder or not writable
     */
    public static RuntimeDirectory create(Path parent) throws IOException {
        Path absolute = parent.toAbsolutePath();
        if (!Files.isDirectory(absolute)) {
            throw new NotDirectoryException("cannot create a procwire runtime folder in " + absolute + ": "
                    + (Files.exists(absolute, LinkOption.NOFOLLOW_LINKS) ? "it is not a folder" : "no such folder"));
        }
        if (SWEPT.add(absolute)) {
            sweep(absolute);
        }
        long pid = ProcessHandle.current().pid();
        for (int attempt = 0; ; attempt++) {
            byte[] random = new byte[8];
            RANDOM.nextBytes(random);
            Path dir = absolute.resolve("procwire-" + pid + "-" + HexFormat.of().formatHex(random));
            try {
                // created with no access for others from the start: no window where they can enter
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
                Files.setPosixFilePermissions(dir, OWNER_ONLY); // whatever the umask did
            } catch (FileAlreadyExistsException e) {
                if (attempt < 3) {
                    continue;
                }
                throw e;
            } catch (AccessDeniedException e) {
                throw new AccessDeniedException(absolute.toString(), null,
                        "cannot create a procwire runtime folder here: permission denied");
            }
            RuntimeDirectory created = new RuntimeDirectory(dir);
            Runtime.getRuntime().addShutdownHook(created.hook);
            return created;
        }
    }

    /** The folder. */
    public Path path() {
        return path;
    }

    /**
     * A fresh name in this folder, {@code <prefix>-<n>}, for a FIFO or socket; nothing is created.
     *
     * @throws IllegalStateException if this folder was closed
     */
    public synchronized Path newName(String prefix) {
        if (closed.get()) {
            throw new IllegalStateException("runtime folder " + path + " is closed");
        }
        return path.resolve(prefix + "-" + (++counter));
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed.get();
    }

    /** Removes the folder and everything in it. Idempotent. */
    @Override
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException exiting) {
            // the hook runs anyway
        }
        deleteTree(path);
    }

    private void deleteQuietly() {
        try {
            deleteTree(path);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not remove procwire runtime folder " + path + ": " + e);
        }
    }

    /** Removes {@code dir} and its contents; a missing folder is not an error. */
    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            List<Path> all = walk.sorted(Comparator.reverseOrder()).toList();
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        } catch (NoSuchFileException gone) {
            // already removed
        } catch (UncheckedIOException e) {
            if (!(e.getCause() instanceof NoSuchFileException)) {
                throw e.getCause();
            }
        }
    }

    /**
     * Removes the folders in {@code parent} that a runtime of this user left behind when it was
     * killed: named {@code procwire-<pid>-<random>}, with no live process {@code pid}.
     * A folder whose pid is alive (its runtime, or an unrelated process that reuses the pid) is
     * kept. Returns how many were removed.
     */
    public static int sweep(Path parent) {
        int removed = 0;
        Object me;
        try {
            me = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException e) {
            return 0;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(parent, "procwire-*")) {
            for (Path entry : entries) {
                Matcher m = NAME.matcher(entry.getFileName().toString());
                if (!m.matches() || !Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                long pid;
                try {
                    pid = Long.parseLong(m.group(1));
                } catch (NumberFormatException e) {
                    continue;
                }
                try {
                    if (ProcessHandle.of(pid).isPresent()
                            || !me.equals(Files.getAttribute(entry, "unix:uid", LinkOption.NOFOLLOW_LINKS))) {
                        continue;
                    }
                    deleteTree(entry);
                    removed++;
                    LOG.log(Level.DEBUG, "removed stale procwire runtime folder " + entry);
                } catch (IOException e) {
                    LOG.log(Level.WARNING, "could not remove stale procwire runtime folder " + entry + ": " + e);
                }
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not sweep " + parent + " for stale procwire runtime folders: " + e);
        }
        return removed;
    }

    @Override
    public String toString() {
        return "RuntimeDirectory[" + path + "]";
    }
}
