package dev.procwire.internal;

import dev.procwire.transport.uds.PeerAuthentication;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketCredentials;

/**
 * The main class of a fork server: a JVM, started detached by a runtime's
 * {@link ForkServerStarter}, that keeps Java workers ready and hands them to the runtimes of its
 * user over a Unix socket. One server serves one configuration (java launcher, classpath, the
 * options it gives all workers), shared by every runtime of the user with that configuration.
 *
 * <p>Arguments: the socket path (in the user's {@link ForkServerFolder}), the java launcher for
 * workers, how long a worker may take to say hello, in ms, then the JVM options of every
 * worker. Its own classpath is its workers'. System properties: {@value #READY_PROPERTY} (workers kept ready, default 2) and
 * {@value #LINGER_PROPERTY} (ms without any runtime connected before it exits, default 2000).
 *
 * <p>Admission: only peers running as this server's uid (SO_PEERCRED); others are told why and
 * disconnected. Exit: when no runtime has been connected for the linger time, it takes the
 * configuration's lock (so no runtime is connecting meanwhile), removes its socket, log and lock
 * files, kills its ready workers and exits. Workers handed out are the runtimes' to end; they
 * also end by themselves when their runtime is gone (their input ends). One instance per server
 * process, made by {@link #main}; thread safe (an accepting thread, a thread per runtime, a timer).
 */
public final class ForkServerMain {
    static final String READY_PROPERTY = "procwire.forkserver.ready";
    static final String LINGER_PROPERTY = "procwire.forkserver.linger";
    /** Longest wait for the first runtime, which is starting this server right now. */
    private static final long FIRST_CONNECTION_GRACE_MILLIS = 10_000;

    private final Path socketPath;
    private final ForkServerFolder folder;
    private final String key;
    private final int uid = PeerAuthentication.currentUid();
    private final long lingerMillis = Long.getLong(LINGER_PROPERTY, 2_000);
    private final Set<ForkServerSession> sessions = ConcurrentHashMap.newKeySet();
    private final ExecutorService tasks = Executors.newCachedThreadPool(daemon("procwire-forkserver-task"));
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(
            daemon("procwire-forkserver-timer"));
    private final SpawnStarter spawner;
    private final ForkServerPool pool;
    private final String directory = Path.of("").toAbsolutePath().toString();
    private volatile long idleSince = System.currentTimeMillis();
    private volatile boolean everConnected;
    private volatile Object boundSocketKey;
    private final List<String> workerOptions;
    private AFUNIXServerSocket server;

    private ForkServerMain(Path socketPath, String javaExecutable, long helloTimeoutMillis, List<String> workerOptions) {
        this.socketPath = socketPath;
        this.folder = ForkServerFolder.forServer(socketPath.getParent());
        String name = socketPath.getFileName().toString();
        this.key = name.substring(0, name.length() - ".sock".length());
        this.spawner = new SpawnStarter(javaExecutable, System.getProperty("java.class.path"));
        this.workerOptions = List.copyOf(workerOptions);
        this.pool = new ForkServerPool(spawner, Integer.getInteger(READY_PROPERTY, 2), helloTimeoutMillis,
                this.workerOptions, tasks, timers);
    }

    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("procwire fork server: usage: " + ForkServerMain.class.getName()
                    + " <socket path> <java launcher for workers> <hello timeout ms> [worker JVM option...];"
                    + " it is started by a runtime");
            System.exit(2);
        }
        dev.procwire.codec.JavaSerializationCodec.enableFromProperty(); // so its workers get the same allow-list
        ForkServerMain main = new ForkServerMain(Path.of(args[0]), args[1], Long.parseLong(args[2]),
                List.of(args).subList(3, args.length));
        try {
            main.serve();
        } catch (IOException | RuntimeException e) {
            System.err.println("procwire fork server: " + e.getMessage());
            main.pool.close();
            System.exit(1);
        }
    }

    private void serve() throws IOException {
        if (!socketPath.getFileName().toString().endsWith(".sock")) {
            throw new IOException("socket path " + socketPath + " does not end in .sock");
        }
        server = AFUNIXServerSocket.newInstance();
        server.bind(AFUNIXSocketAddress.of(socketPath));
        Files.setPosixFilePermissions(socketPath, PosixFilePermissions.fromString("rw-------"));
        boundSocketKey = fileKey(socketPath);
        Runtime.getRuntime().addShutdownHook(new Thread(this::cleanUp, "procwire-forkserver-cleanup"));
        pool.refill();
        timers.scheduleWithFixedDelay(this::maybeExit, 100, 100, TimeUnit.MILLISECONDS);
        while (true) {
            AFUNIXSocket peer = server.accept();
            try {
                AFUNIXSocketCredentials c = peer.getPeerCredentials();
                if (c.getUid() != uid) {
                    refuse(peer, "process " + c.getPid() + " runs as uid " + c.getUid() + "; this fork server (pid "
                            + ProcessHandle.current().pid() + ") serves only uid " + uid);
                    continue;
                }
                ForkServerSession[] self = new ForkServerSession[1];
                self[0] = new ForkServerSession(peer, pool, spawner, tasks, directory, workerOptions,
                        () -> ended(self[0]));
                synchronized (this) {
                    sessions.add(self[0]);
                    everConnected = true;
                }
                Thread t = new Thread(self[0], "procwire-forkserver-session-" + c.getPid());
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                System.err.println("procwire fork server: dropped a connection: " + e);
                peer.close();
            }
        }
    }

    private void refuse(AFUNIXSocket peer, String why) {
        System.err.println("procwire fork server: refused " + why);
        try (peer) {
            peer.getOutputStream().write(ForkServerMessages.encode(ForkServerMessages.REFUSED,
                    o -> ForkServerMessages.writeString(o, why)));
        } catch (IOException ignored) {
            // it is gone already
        }
    }

    private synchronized void ended(ForkServerSession session) {
        sessions.remove(session);
        if (sessions.isEmpty()) {
            idleSince = System.currentTimeMillis();
        }
    }

    /** Exits if no runtime has been connected for the linger time, unless one is connecting now. */
    private void maybeExit() {
        long linger = everConnected ? lingerMillis : Math.max(lingerMillis, FIRST_CONNECTION_GRACE_MILLIS);
        synchronized (this) {
            if (!sessions.isEmpty() || System.currentTimeMillis() - idleSince < linger) {
                return;
            }
        }
        try (ForkServerFolder.Held held = folder.tryLock(key)) {
            if (held == null) {
                return; // a runtime is connecting (or starting a server): ask again later
            }
            synchronized (this) {
                if (!sessions.isEmpty()) {
                    return;
                }
                // Under the lock no runtime can connect: after this, one that comes finds no
                // socket and starts a new server.
                cleanUp();
                Files.deleteIfExists(folder.lockFile(key));
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("procwire fork server: exiting after an error at linger time: " + e);
            cleanUp();
        }
        folder.removeIfEmpty();
        Runtime.getRuntime().halt(0); // hooks ran as cleanUp() already
    }

    /** Removes this server's socket (if it is still ours) and log, and kills its ready workers. */
    private synchronized void cleanUp() {
        pool.close();
        try {
            if (boundSocketKey != null && Objects.equals(boundSocketKey, fileKey(socketPath))) {
                Files.deleteIfExists(socketPath);
            }
            Files.deleteIfExists(folder.log(key));
        } catch (IOException e) {
            System.err.println("procwire fork server: could not remove " + socketPath + ": " + e);
        }
    }

    private static Object fileKey(Path p) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
