package dev.procwire.transport.internal;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Grows a pipe that carries bulk data from the kernel's default 64 KiB to 1 MiB with
 * {@code fcntl(F_SETPIPE_SZ)}: a 1 MiB frame then crosses in one write and one wake-up of the
 * reader instead of sixteen. Java has no {@code fcntl}, so the call goes through JNA, loaded
 * once per JVM on a thread of its own when the first pipe fills up (about 130 ms here; the pipe
 * keeps its size until then), never on a caller's path.
 *
 * <p>Growth is capped. The kernel counts every pipe buffer of a user against
 * {@code fs.pipe-user-pages-soft} (64 MiB by default) and, past it, gives that user's <em>new</em>
 * pipes a single page, in every program: procwire takes at most a quarter of that limit, and
 * gives it back as pipes close. (The limit does not apply to root.) {@code -Dprocwire.pipeBytes=N}
 * sets the size pipes grow to; 0 turns growing off. Where JNA or {@code fcntl} is missing, pipes
 * keep their size. Thread safe; internal.
 */
public final class PipeSizes {
    private static final System.Logger LOG = System.getLogger(PipeSizes.class.getName());
    private static final int F_SETPIPE_SZ = 1031;
    private static final int F_GETPIPE_SZ = 1032;
    /** The size a pipe that fills up grows to: 1 MiB, or less if {@code fs.pipe-max-size} says so. */
    static final int TARGET_BYTES = (int) Math.min(Integer.getInteger("procwire.pipeBytes", 1 << 20),
            readLong(Path.of("/proc/sys/fs/pipe-max-size"), 1 << 20));
    private static final long BUDGET_BYTES = budget();
    private static final AtomicLong granted = new AtomicLong();

    private PipeSizes() {}

    /** fcntl, loaded once; completes with null where it cannot be had. */
    private static final class Loader {
        static final CompletableFuture<com.sun.jna.Function> FCNTL = new CompletableFuture<>();

        static {
            Thread t = new Thread(Loader::load, "procwire-pipe-sizes");
            t.setDaemon(true);
            t.start();
        }

        private static void load() {
            try {
                FCNTL.complete(com.sun.jna.NativeLibrary.getInstance("c").getFunction("fcntl"));
            } catch (LinkageError | RuntimeException e) {
                LOG.log(Level.DEBUG, "procwire: pipes keep their size: cannot call fcntl through JNA: " + e);
                FCNTL.complete(null);
            }
        }
    }

    /**
     * Runs {@code grow} on {@code executor} once {@code fcntl} is loaded, unless growing is off
     * or impossible here. The executor should be the thread that closes the descriptor, so the
     * descriptor cannot be closed (and its number reused) under the call.
     */
    static void whenLoaded(Executor executor, Runnable grow) {
        if (TARGET_BYTES <= 0 || BUDGET_BYTES <= 0) {
            return;
        }
        Loader.FCNTL.thenAccept(f -> {
            if (f != null) {
                executor.execute(grow);
            }
        });
    }

    /**
     * Grows pipe {@code fd} to {@link #TARGET_BYTES} if the budget allows; call after
     * {@link #whenLoaded}. Returns the bytes it took from the budget, for {@link #release}.
     */
    static int grow(int fd) {
        com.sun.jna.Function fcntl = Loader.FCNTL.getNow(null);
        if (fcntl == null) {
            return 0;
        }
        int current = fcntl.invokeInt(new Object[] {fd, F_GETPIPE_SZ});
        if (current <= 0 || current >= TARGET_BYTES) {
            return 0; // not a pipe, or already as large
        }
        int extra = TARGET_BYTES - current;
        if (granted.addAndGet(extra) > BUDGET_BYTES) {
            granted.addAndGet(-extra);
            return 0;
        }
        if (fcntl.invokeInt(new Object[] {fd, F_SETPIPE_SZ, TARGET_BYTES}) < TARGET_BYTES) {
            granted.addAndGet(-extra); // refused (EPERM past the user's limits): it stays as it was
            return 0;
        }
        return extra;
    }

    /** Gives back what {@link #grow} took, when its pipe is closed. */
    static void release(int bytes) {
        if (bytes > 0) {
            granted.addAndGet(-bytes);
        }
    }

    /** The pipe's size in bytes, or -1 if it cannot be told (no fcntl yet, not a pipe). For tests. */
    public static int size(int fd) {
        com.sun.jna.Function fcntl = Loader.FCNTL.join();
        return fcntl == null ? -1 : fcntl.invokeInt(new Object[] {fd, F_GETPIPE_SZ});
    }

    private static long budget() {
        long soft = readLong(Path.of("/proc/sys/fs/pipe-user-pages-soft"), 16384);
        if (soft == 0 || dev.procwire.transport.uds.PeerAuthentication.currentUid() == 0) {
            return Long.MAX_VALUE; // no limit, or root, whom it does not bind
        }
        return soft * 4096 / 4;
    }

    /** A number from a sysctl file (see {@link ProcFiles}), or {@code otherwise}. */
    static long readLong(Path file, long otherwise) {
        try {
            return Long.parseLong(ProcFiles.read(file));
        } catch (IOException | RuntimeException e) {
            return otherwise;
        }
    }
}
