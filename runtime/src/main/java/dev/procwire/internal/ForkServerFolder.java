package dev.procwire.internal;

import dev.procwire.transport.uds.PeerAuthentication;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.newsclub.net.unix.FileDescriptorCast;

/**
 * A user's folder of fork servers, {@code procwire-forkserver-<uid>} (mode 0700) under the temp
 * folder, and the files of one server configuration in it: {@code <key>.sock} (its socket),
 * {@code <key>.lock} (held while a server is started, connected to or shut down, so that these
 * never interleave) and {@code <key>.log} (the server's own output). Immutable; thread safe.
 *
 * <p>The folder is trusted only if it is a real folder (not a link) owned by this process's
 * user with mode 0700; anything else may be another user's doing, and is refused with an error
 * that says what is wrong.
 */
final class ForkServerFolder {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
    /** fcntl locks are per process: threads of one JVM also take this, per lock file. */
    private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    private final Path path;
    private final int uid;

    private ForkServerFolder(Path path, int uid) {
        this.path = path;
        this.uid = uid;
    }

    /** The folder under {@code parent}, created if missing, and checked. */
    static ForkServerFolder open(Path parent) throws IOException {
        int uid = PeerAuthentication.currentUid();
        ForkServerFolder folder = new ForkServerFolder(parent.toAbsolutePath().resolve("procwire-forkserver-" + uid), uid);
        folder.ensure();
        return folder;
    }

    /** The folder a server was told to use ({@code dir}, its socket's folder), as it is: no checks. */
    static ForkServerFolder forServer(Path dir) {
        return new ForkServerFolder(dir, PeerAuthentication.currentUid());
    }

    /** Makes the folder if it is missing (the last server removed it), then checks it. */
    void ensure() throws IOException {
        try {
            Files.createDirectory(path, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            Files.setPosixFilePermissions(path, OWNER_ONLY); // whatever the umask did
        } catch (FileAlreadyExistsException e) {
            // made before, by us or by someone else: check() tells
        }
        check();
    }

    /**
     * Checks that the folder is still ours alone.
     *
     * @throws IOException saying what is wrong: not a folder, a link, another owner, a wider mode
     */
    void check() throws IOException {
        PosixFileAttributes a;
        try {
            a = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(path.toString(), null, "the fork server folder is gone");
        }
        if (a.isSymbolicLink() || !a.isDirectory()) {
            throw new IOException("refusing the fork server folder " + path + ": it is "
                    + (a.isSymbolicLink() ? "a symbolic link" : "not a folder") + ", which this user did not make; "
                    + "another user's process may have put it there");
        }
        int owner = (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if (owner != uid) {
            throw new IOException("refusing the fork server folder " + path + ": it belongs to uid " + owner
                    + ", not to this user (uid " + uid + "); a fork server in it may be another user's process");
        }
        if (!a.permissions().equals(OWNER_ONLY)) {
            throw new IOException("refusing the fork server folder " + path + ": its mode is "
                    + PosixFilePermissions.toString(a.permissions()) + ", not rwx------; other users could have "
                    + "replaced the fork server in it");
        }
    }

    Path path() {
        return path;
    }

    int uid() {
        return uid;
    }

    Path socket(String key) {
        return path.resolve(key + ".sock");
    }

    Path lockFile(String key) {
        return path.resolve(key + ".lock");
    }

    Path log(String key) {
        return path.resolve(key + ".log");
    }

    /**
     * The key of a server configuration: what makes its workers differ (the java launcher, the
     * classpath, the options the server gives all its workers).
     */
    static String key(String javaExecutable, String classpath, List<String> serverOptions) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update((javaExecutable + "\n" + classpath + "\n" + String.join("\n", serverOptions))
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JVM has SHA-256", e);
        }
    }

    /**
     * Takes the configuration's lock, waiting for it; the holder may start, connect to or shut
     * down its server. The lock file is removed by a server shutting down while it holds it, so
     * a lock taken on a file no longer at its path is dropped and taken again.
     */
    Held lock(String key) throws IOException {
        Path file = lockFile(key);
        ReentrantLock jvm = JVM_LOCKS.computeIfAbsent(file, f -> new ReentrantLock());
        jvm.lock();
        try {
            while (true) {
                ensure();
                RandomAccessFile raf;
                try {
                    raf = new RandomAccessFile(file.toFile(), "rw");
                } catch (java.io.FileNotFoundException e) {
                    if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                        throw new IOException("cannot open the fork server lock " + file + ": " + e.getMessage(), e);
                    }
                    continue; // the folder was removed by a server exiting: make it again
                }
                try {
                    FileLock lock = raf.getChannel().lock();
                    if (sameFile(raf, file)) {
                        return new Held(raf, lock, jvm);
                    }
                } catch (IOException | RuntimeException e) {
                    raf.close();
                    throw new IOException("cannot lock " + file + ": " + e.getMessage(), e);
                }
                raf.close(); // removed under us by a server that shut down: take the new one
            }
        } catch (IOException | RuntimeException e) {
            jvm.unlock();
            throw e;
        }
    }

    /** Takes the configuration's lock if no one holds it, else null (a server deciding to exit). */
    Held tryLock(String key) throws IOException {
        Path file = lockFile(key);
        RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw");
        try {
            FileLock lock = raf.getChannel().tryLock();
            if (lock != null && sameFile(raf, file)) {
                return new Held(raf, lock, null);
            }
        } catch (IOException | RuntimeException e) {
            raf.close();
            throw e;
        }
        raf.close();
        return null;
    }

    /** Whether the file open in {@code raf} is the one at {@code file} now. */
    private static boolean sameFile(RandomAccessFile raf, Path file) throws IOException {
        int fd = FileDescriptorCast.using(raf.getFD()).as(Integer.class);
        Object open = Files.readAttributes(Path.of("/proc/self/fd/" + fd), BasicFileAttributes.class).fileKey();
        try {
            Object named = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            return Objects.equals(open, named);
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /** Removes the folder if it is empty (the last server of this user is gone); quiet. */
    void removeIfEmpty() {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // not empty, or gone: either way nothing to do
        }
    }

    /** A held configuration lock; closing releases it. */
    static final class Held implements AutoCloseable {
        private final RandomAccessFile file;
        private final FileLock lock;
        private final ReentrantLock jvm;

        private Held(RandomAccessFile file, FileLock lock, ReentrantLock jvm) {
            this.file = file;
            this.lock = lock;
            this.jvm = jvm;
        }

        @Override
        public void close() {
            try {
                lock.release();
                file.close();
            } catch (IOException e) {
                // closing the file releases the lock anyway
            } finally {
                if (jvm != null) {
                    jvm.unlock();
                }
            }
        }
    }
}
