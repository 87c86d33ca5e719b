package dev.procwire.internal;

import dev.procwire.codec.JavaSerializationCodec;
import dev.procwire.proto.v1.Frame;
import dev.procwire.transport.pipe.PipeTransport;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code forkserver} start method: workers come from a resident fork server
 * ({@link ForkServerMain}) of this user and configuration, started on first use and shared with
 * the user's other runtimes; it keeps Java workers ready, each having said hello, and hands one
 * over in about a millisecond: its pid, its worker id, its Hello and its pipe ends, passed with
 * {@code SCM_RIGHTS} over a Unix socket. The runtime then answers the Hello; the worker's exit
 * status comes from the server, its parent ({@link ForkedProcess}).
 *
 * <p>What a spec may ask for:
 * <ul>
 *   <li>Java workers only: a spec with a {@code command} is refused with an
 *       {@link IOException} saying to use {@code spawn};
 *   <li>the worker id: a ready worker was started before the spec existed, so its id is the
 *       server's ({@code fork-<server pid>-<n>}); the connection checks the id the worker really
 *       announced, as the server reports it. A worker started on demand gets the spec's id;
 *   <li>JVM options beyond the starter's own (see the constructor), environment variables, a
 *       working folder other than the runtime's, or a
 *       frame limit other than the default: the server starts a worker with them on demand
 *       (a JVM start, tens of ms), as {@code spawn} would; the runtime then does the whole
 *       handshake, and a worker that cannot start fails it with its own stderr;
 *   <li>the transport: always pipes (stdin/stdout); a spec asking for a FIFO or socket is
 *       served over pipes, which the worker does not notice;
 *   <li>the base environment of every worker is the fork server's, which is that of the runtime
 *       that started it (as with Python's forkserver).
 * </ul>
 *
 * <p>Failures: a server whose connection is refused or ends (it died) is replaced once and the
 * request goes on; one that does not answer within the handshake timeout (it hangs) is killed,
 * named by pid in the log, and replaced once; one running as another user, or a fork server
 * folder that is not this user's alone, is refused with an error saying so. The last such
 * replacement is kept in {@link #lastReplacement()}.
 *
 * <p>Thread safe. {@link #close()} is idempotent; it disconnects from the server once the
 * workers this starter handed out have exited (so their exit statuses still arrive); the
 * server exits by itself once no runtime is connected.
 */
public final class ForkServerStarter implements WorkerStarter {
    private static final System.Logger LOG = System.getLogger(ForkServerStarter.class.getName());
    /**
     * The server's own JVM: small and quick to start; it runs no user code. Its request path runs
     * once per worker, too seldom for default JIT thresholds: a hundredth of them compiles it
     * (C1 only) after a few requests instead of leaving it interpreted for hundreds.
     */
    static final List<String> SERVER_JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-XX:-UsePerfData", "-Xshare:auto",
            "-XX:TieredStopAtLevel=1", "-XX:CompileThresholdScaling=0.01", "-Xmx128m");
    /** System properties that change what workers are, passed to the server and part of its key. */
    private static final List<String> PASSED_PROPERTIES = List.of(JavaSerializationCodec.PROPERTY, "procwire.cds",
            "procwire.fullClasspath", ForkServerMain.READY_PROPERTY, ForkServerMain.LINGER_PROPERTY);
    private static final String SETSID = "/usr/bin/setsid";

    private final String javaExecutable;
    private final String classpath;
    private final List<String> workerJvmOptions;
    private final Duration timeout;
    private final Path parent;
    private final int uid = dev.procwire.transport.uds.PeerAuthentication.currentUid();
    private final AtomicLong requestIds = new AtomicLong();
    private ForkServerClient client; // guarded by this
    private String clientKey; // guarded by this
    private boolean closed; // guarded by this
    private volatile String lastReplacement;

    /**
     * @param javaExecutable the java launcher of the server and its workers
     * @param classpath the workers' classpath (and the server's)
     * @param handshakeTimeout how long the server may take to answer, and a worker to say hello
     */
    public ForkServerStarter(String javaExecutable, String classpath, Duration handshakeTimeout) {
        this(javaExecutable, classpath, List.of(), handshakeTimeout);
    }

    /**
     * @param workerJvmOptions JVM options of every worker of this starter (a runtime's own): part
     *     of the server's configuration, so its ready workers have them. A spec's options that
     *     begin with these are served by ready workers if nothing follows them; what follows is
     *     per-worker and gets a worker started on demand.
     */
    public ForkServerStarter(String javaExecutable, String classpath, List<String> workerJvmOptions,
                             Duration handshakeTimeout) {
        this(javaExecutable, classpath, workerJvmOptions, handshakeTimeout,
                Path.of(System.getProperty("java.io.tmpdir")));
    }

    /** A starter whose servers live in {@code procwire-forkserver-<uid>} under {@code parent} (tests). */
    ForkServerStarter(String javaExecutable, String classpath, Duration handshakeTimeout, Path parent) {
        this(javaExecutable, classpath, List.of(), handshakeTimeout, parent);
    }

    ForkServerStarter(String javaExecutable, String classpath, List<String> workerJvmOptions,
                      Duration handshakeTimeout, Path parent) {
        this.javaExecutable = javaExecutable;
        this.classpath = classpath;
        this.workerJvmOptions = List.copyOf(workerJvmOptions);
        this.timeout = handshakeTimeout;
        this.parent = parent;
    }

    /**
     * Java workers over pipes: the server hands over pipe ends. Workers of a command, or asking
     * for FIFOs or the runtime's socket, are for {@code spawn}.
     */
    @Override
    public boolean serves(LaunchSpec spec) {
        return spec.isJava() && spec.transport() == dev.procwire.WorkerTransport.PIPE;
    }

    @Override
    public StartedWorker start(LaunchSpec spec) throws IOException {
        if (!spec.isJava()) {
            throw new IOException("the forkserver start method starts procwire's Java workers only, not worker command "
                    + spec.command() + "; use the spawn start method for it");
        }
        List<String> serverOptions = serverOptions();
        String key = key(serverOptions);
        // The server gives every worker its configured options; the request carries what follows.
        List<String> own = spec.jvmOptions();
        if (own.size() >= workerJvmOptions.size() && own.subList(0, workerJvmOptions.size()).equals(workerJvmOptions)) {
            own = own.subList(workerJvmOptions.size(), own.size());
        } else if (!workerJvmOptions.isEmpty()) {
            throw new IllegalArgumentException("worker JVM options " + spec.jvmOptions() + " do not begin with this "
                    + "fork server starter's options " + workerJvmOptions);
        }
        String directory = (spec.directory() != null ? spec.directory() : Path.of("")).toAbsolutePath().toString();
        ForkServerMessages.Request request = new ForkServerMessages.Request(requestIds.incrementAndGet(),
                spec.workerId(), spec.maxFrameBytes(), directory, List.copyOf(own), spec.environment(),
                timeout.toMillis() / 3); // a wait for a ready worker must leave time for an on-demand start
        ForkServerClient c = client(key, serverOptions);
        ForkServerClient.Handout h;
        try {
            h = c.request(request, timeout);
        } catch (ForkServerException e) {
            if (e.kind() != ForkServerException.Kind.DIED && e.kind() != ForkServerException.Kind.HUNG) {
                throw e;
            }
            c = replace(c, e, key, serverOptions);
            try {
                h = c.request(request, timeout);
            } catch (ForkServerException again) {
                throw new ForkServerException(again.kind(), again.getMessage() + " (this was the new fork server "
                        + "started because " + e.getMessage() + ")", again, again.serverPid());
            }
        }
        return started(spec, h);
    }

    private record Keyed(List<String> serverOptions, String key) {}

    private volatile Keyed lastKey;

    /**
     * The configuration's key: a hash of the classpath and options, worked out again only when
     * the passed system properties changed (it is on every start's path).
     */
    private String key(List<String> serverOptions) {
        Keyed k = lastKey;
        if (k == null || !k.serverOptions().equals(serverOptions)) {
            List<String> keyed = new ArrayList<>(serverOptions);
            keyed.add("--worker-options--");
            keyed.addAll(workerJvmOptions);
            k = new Keyed(serverOptions, ForkServerFolder.key(javaExecutable, classpath, keyed));
            lastKey = k;
        }
        return k.key();
    }

    /** What went wrong with the last fork server this starter replaced, or null. */
    String lastReplacement() {
        return lastReplacement;
    }

    /** The pid of the server this starter is connected to, or -1. */
    synchronized long serverPid() {
        return client != null && client.isOpen() ? client.serverPid() : -1;
    }

    private StartedWorker started(LaunchSpec spec, ForkServerClient.Handout h) throws IOException {
        ForkedProcess process = h.process();
        Frame hello = null;
        IOException unreadable = null;
        if (h.hello().length > 0) {
            try {
                hello = Frame.parseFrom(h.hello()); // while the client's reader duplicates the pipe ends
            } catch (IOException e) {
                unreadable = new IOException("the fork server sent an unreadable Hello for worker pid " + process.pid()
                        + ": " + e.getMessage(), e);
            }
        }
        FileDescriptor[] ends;
        try {
            ends = h.awaitEnds();
        } catch (IOException e) {
            process.destroyForcibly();
            throw e;
        }
        if (unreadable != null) {
            ForkServerClient.closeAll(ends);
            process.destroyForcibly();
            throw unreadable;
        }
        String what = "pipe to worker " + spec.name() + " (pid " + process.pid() + ", from the fork server)";
        PipeTransport transport;
        try {
            transport = PipeTransport.adopt(ends[1], ends[0], what, spec.maxFrameBytes());
        } catch (IOException | RuntimeException e) {
            ForkServerClient.closeQuietly(ends[2]);
            process.destroyForcibly();
            throw e;
        }
        WorkerConnection connection = new WorkerConnection(transport, h.workerId(), spec.name(),
                spec.maxConcurrentTasks(), spec.maxFrameBytes(), spec.output(), spec.callbacks(), null);
        if (hello != null) {
            connection.start(hello);
        } else {
            connection.start();
        }
        // After the Welcome went out: the worker gets on with it while this thread starts the
        // reader (a thread start, a few hundred us on a busy machine); its lines wait in the pipe.
        StderrCollector stderr = new StderrCollector(new FileInputStream(ends[2]), spec.name(), process.pid(),
                spec.output());
        return new StartedWorker(process, connection, stderr);
    }

    private static List<String> serverOptions() {
        List<String> options = new ArrayList<>();
        for (String p : PASSED_PROPERTIES) {
            String v = System.getProperty(p);
            if (v != null) {
                options.add("-D" + p + "=" + v);
            }
        }
        return options;
    }

    private synchronized ForkServerClient client(String key, List<String> serverOptions) throws IOException {
        if (closed) {
            throw new IllegalStateException("this fork server starter is closed");
        }
        if (client != null && key.equals(clientKey)) {
            if (client.isOpen()) {
                return client;
            }
            noteReplacement("the fork server (pid " + client.serverPid() + ") is gone: its connection ended");
        } else if (client != null) {
            client.close(); // another configuration now (system properties changed); its workers keep it
        }
        client = null;
        ForkServerClient c = connectOrStart(key, serverOptions);
        client = c;
        clientKey = key;
        return c;
    }

    private synchronized ForkServerClient replace(ForkServerClient c, ForkServerException why, String key,
                                                  List<String> serverOptions) throws IOException {
        if (why.kind() == ForkServerException.Kind.HUNG) {
            kill(c.serverPid());
        }
        c.closeNow();
        if (client == c) {
            client = null;
        }
        noteReplacement(why.getMessage());
        return client(key, serverOptions);
    }

    private void noteReplacement(String why) {
        lastReplacement = why;
        LOG.log(System.Logger.Level.WARNING, "procwire: " + why + "; using a new fork server");
    }

    private static void kill(long pid) {
        ProcessHandle.of(pid).ifPresent(p -> {
            p.destroyForcibly();
            try {
                p.onExit().get(2, TimeUnit.SECONDS);
            } catch (Exception e) {
                // it goes when it goes; a new server is started beside it
            }
        });
    }

    /** Connects to the configuration's server, starting one if none listens; under its lock. */
    private ForkServerClient connectOrStart(String key, List<String> serverOptions) throws IOException {
        ForkServerFolder folder = ForkServerFolder.open(parent);
        Path socket = folder.socket(key);
        try (ForkServerFolder.Held lock = folder.lock(key)) {
            if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    return ForkServerClient.connect(socket, uid, timeout);
                } catch (ForkServerException e) {
                    switch (e.kind()) {
                        case HUNG -> {
                            noteReplacement(e.getMessage() + "; killed it");
                            kill(e.serverPid());
                        }
                        case DIED -> { } // a socket file left by a server that was killed
                        default -> throw e;
                    }
                }
            }
            Files.deleteIfExists(socket);
            return launch(folder, key, serverOptions, socket);
        }
    }

    private ForkServerClient launch(ForkServerFolder folder, String key, List<String> serverOptions, Path socket)
            throws IOException {
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(Path.of(SETSID))) {
            command.add(SETSID); // its own session: no terminal's signals reach it
        }
        command.add(javaExecutable);
        command.addAll(SERVER_JVM_OPTIONS);
        command.addAll(serverOptions);
        command.add("-cp");
        command.add(classpath);
        command.add(ForkServerMain.class.getName());
        command.add(socket.toString());
        command.add(javaExecutable);
        command.add(Long.toString(timeout.toMillis()));
        command.addAll(workerJvmOptions);
        Path log = folder.log(key);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectInput(Redirect.from(new File("/dev/null")))
                .redirectOutput(Redirect.to(log.toFile()))
                .redirectErrorStream(true); // not our stdout or stderr: it outlives this JVM
        builder.environment().keySet().removeAll(SpawnStarter.INHERITED_PROTOCOL_VARIABLES);
        Process server = builder.start();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    return ForkServerClient.connect(socket, uid, timeout);
                } catch (ForkServerException e) {
                    if (e.kind() != ForkServerException.Kind.DIED) {
                        throw e;
                    }
                    // bound, not listening yet
                }
            }
            if (!server.isAlive()) {
                String output = readLog(log);
                throw new ForkServerException(ForkServerException.Kind.DIED, "the fork server (pid " + server.pid()
                        + ") exited with status " + server.exitValue() + " before listening at " + socket
                        + (output.isBlank() ? "" : "; it said:\n" + output.strip()), null, server.pid());
            }
            if (System.nanoTime() > deadline) {
                server.destroyForcibly();
                String output = readLog(log);
                throw new ForkServerException(ForkServerException.Kind.HUNG, "the fork server (pid " + server.pid()
                        + ") did not listen at " + socket + " within " + timeout.toMillis() + " ms; killed it"
                        + (output.isBlank() ? "" : "; it said:\n" + output.strip()), null, server.pid());
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                server.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while starting the fork server");
            }
        }
    }

    private static String readLog(Path log) {
        try {
            String text = Files.readString(log, StandardCharsets.UTF_8);
            Files.deleteIfExists(log);
            return text;
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * No new workers from now on; disconnects from the server once the workers handed out have
     * exited. Idempotent.
     */
    @Override
    public synchronized void close() {
        closed = true;
        if (client != null) {
            client.close();
            client = null;
        }
    }
}
