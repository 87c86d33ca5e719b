package dev.procwire.internal;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A class-data-sharing archive (AppCDS) of the classes a worker JVM loads before it can work:
 * the JDK's, procwire's and protobuf's, mapped ready-made instead of parsed and verified at every
 * start. The first worker of a classpath writes it as it exits ({@code -XX:ArchiveClassesAtExit});
 * later workers, also of other runtimes, start with it ({@code -XX:SharedArchiveFile}). The
 * archive is keyed by the JVM and the size and time of every jar, so a rebuilt jar gets a new
 * one, and lives in {@code $XDG_CACHE_HOME/procwire/cds} (default {@code ~/.cache}), not in the
 * temp folder. Only for a worker classpath made of jars (the JVM archives nothing from folders).
 * {@code -Dprocwire.cds=false} turns it off. Each rebuild of a jar makes a new archive of about
 * 3 MiB, so the folder is pruned whenever one is stored: archives unused for {@link #MAX_IDLE}
 * go, and of the rest only the {@link #KEEP} most recently used stay (use refreshes an
 * archive's modification time, at most once a day). Thread safe. Internal.
 */
final class CdsArchive {
    /** How many archives the cache folder keeps, the most recently used first. */
    static final int KEEP = 8;
    /** How long an archive may go unused before it is removed. */
    static final Duration MAX_IDLE = Duration.ofDays(14);
    /** System property a dumping worker gets, so it gives the dump time before it halts. */
    static final String DUMPING_PROPERTY = "procwire.cds.dumping";

    private final Path archive;
    private final AtomicBoolean dumping = new AtomicBoolean();

    private CdsArchive(Path archive) {
        this.archive = archive;
    }

    /** The archive for workers started with {@code bootClasspath}, or null if none can be used. */
    static CdsArchive of(String bootClasspath) {
        if (!Boolean.parseBoolean(System.getProperty("procwire.cds", "true"))) {
            return null;
        }
        try {
            MessageDigest key = MessageDigest.getInstance("SHA-256");
            key.update((System.getProperty("java.home") + "\n" + System.getProperty("java.vm.version") + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            for (String entry : bootClasspath.split(File.pathSeparator)) {
                Path jar = Path.of(entry);
                if (!Files.isRegularFile(jar)) {
                    return null; // a folder: nothing of it would be archived, and CDS refuses to dump
                }
                key.update((jar.toAbsolutePath() + "|" + Files.size(jar) + "|" + Files.getLastModifiedTime(jar).toMillis()
                        + "\n").getBytes(StandardCharsets.UTF_8));
            }
            String name = HexFormat.of().formatHex(key.digest(), 0, 12) + ".jsa";
            return new CdsArchive(cacheFolder().resolve(name));
        } catch (IOException | NoSuchAlgorithmException | RuntimeException e) {
            return null;
        }
    }

    private static Path cacheFolder() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("procwire").resolve("cds");
    }

    /** The JVM options for the next worker, and what to do when it exits. */
    Use use() {
        if (Files.isReadable(archive)) {
            markUsed(archive, Instant.now());
            return new Use(List.of("-XX:SharedArchiveFile=" + archive), null);
        }
        if (!dumping.compareAndSet(false, true)) {
            return new Use(List.of(), null); // another worker is writing it
        }
        try {
            Files.createDirectories(archive.getParent(), PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
        } catch (IOException | UnsupportedOperationException e) {
            return new Use(List.of(), null); // no cache folder: start without
        }
        Path temp = archive.resolveSibling(archive.getFileName() + "." + ProcessHandle.current().pid()
                + "." + System.nanoTime() + ".tmp");
        // The dump warns of every class it leaves out ("Skipping ...: Not linked"): not the user's
        // business, and it would reach them as the worker's output. Errors still do.
        return new Use(List.of("-XX:ArchiveClassesAtExit=" + temp, "-D" + DUMPING_PROPERTY + "=true",
                "-Xlog:cds=error:stderr:uptime,level,tags", "-Xlog:cds+dynamic=error:stderr:uptime,level,tags"), temp);
    }

    /** How one worker uses the archive. */
    final class Use {
        final List<String> jvmOptions;
        private final Path dumpedTo;

        Use(List<String> jvmOptions, Path dumpedTo) {
            this.jvmOptions = jvmOptions;
            this.dumpedTo = dumpedTo;
        }

        /** Whether this worker writes the archive. */
        boolean dumps() {
            return dumpedTo != null;
        }

        /** After the worker exited: keep a complete dump, drop anything else. */
        void exited(int status) {
            if (dumpedTo == null) {
                return;
            }
            try {
                if (status >= 0 && status < 128 && Files.size(dumpedTo) > 0) {
                    Files.move(dumpedTo, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    prune(archive.getParent(), Instant.now());
                }
            } catch (IOException e) {
                // no archive this time; the next worker tries again
            } finally {
                try {
                    Files.deleteIfExists(dumpedTo);
                } catch (IOException ignored) {
                    // a stray temp file in our own cache folder
                }
                dumping.set(false);
            }
        }
    }

    /** Refreshes {@code archive}'s modification time if it is a day old: it was used. */
    static void markUsed(Path archive, Instant now) {
        try {
            if (Files.getLastModifiedTime(archive).toInstant().isBefore(now.minus(Duration.ofDays(1)))) {
                Files.setLastModifiedTime(archive, FileTime.from(now));
            }
        } catch (IOException e) {
            // another user's archive, or just removed: pruning then goes by its old time
        }
    }

    /**
     * Removes from {@code folder} the archives unused for {@link #MAX_IDLE}, and all but the
     * {@link #KEEP} most recently used of the rest; temp files of dumps go after a day.
     */
    static void prune(Path folder, Instant now) {
        List<Path> archives = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                Instant modified = Files.getLastModifiedTime(entry).toInstant();
                if (name.endsWith(".jsa")) {
                    if (modified.isBefore(now.minus(MAX_IDLE))) {
                        Files.deleteIfExists(entry);
                    } else {
                        archives.add(entry);
                    }
                } else if (name.endsWith(".tmp") && modified.isBefore(now.minus(Duration.ofDays(1)))) {
                    Files.deleteIfExists(entry); // left by a worker killed while it dumped
                }
            }
            archives.sort(Comparator.comparing(CdsArchive::modified).reversed());
            for (Path old : archives.subList(Math.min(KEEP, archives.size()), archives.size())) {
                Files.deleteIfExists(old);
            }
        } catch (IOException | UncheckedIOException e) {
            // a cache: what is not removed now is removed at the next dump
        }
    }

    private static Instant modified(Path file) {
        try {
            return Files.getLastModifiedTime(file).toInstant();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
