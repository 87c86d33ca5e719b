package dev.procwire.internal;

import dev.procwire.WorkerTransport;
import dev.procwire.transport.FrameLimits;
import dev.procwire.transport.RuntimeDirectory;
import dev.procwire.transport.Transport;
import dev.procwire.transport.uds.UnixSocketServer;
import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code spawn} start method: a fresh process per worker — a JVM started with this JVM's
 * classpath and {@link WorkerMain}, or the command of a non-Java worker — connected by the
 * transport its spec asks for (a {@link WorkerLink} each). The starter owns the runtime's
 * private folder for FIFOs and its listening socket, made when first needed. Thread safe.
 * Internal.
 */
public final class SpawnStarter implements WorkerStarter {
    /** Options for small, short-lived worker JVMs; a user's options come after and win. */
    static final List<String> DEFAULT_JVM_OPTIONS = List.of(
            // The JVM prints its own start-up errors ("Multiple garbage collectors selected", a
            // bad -Xmx) on stdout, which is the protocol stream here: to stderr with them.
            "-XX:+DisplayVMOutputToStderr",
            "-XX:-UsePerfData",      // no hsperfdata file in /tmp per worker
            "-Xshare:auto",          // the JDK's class-data archive when it has one
            // The JVM's own log (warnings, -Xlog, -verbose) goes to stdout by default, which is
            // the protocol stream here: send all of it to stderr instead.
            "-Xlog:disable",
            "-Xlog:all=warning:stderr:uptime,level,tags");

    /**
     * Serial: one GC thread, the smallest footprint, and in pools of small workers the most
     * tasks per CPU second (a map of tiny tasks here: 0.4 us of worker CPU a task, against 1.3
     * with G1). Left out when the options pick a collector.
     */
    static final String DEFAULT_GC = "-XX:+UseSerialGC";

    /**
     * What a worker that runs one target gets first ({@code WorkerProcess}, spawned on demand),
     * where start-up is most of its life and its caller waits for it; not pool workers, which
     * live long. G1: only with G1 does the JVM map the archived module graph and heap objects
     * of its class-data archives, about 10 ms of every start (Serial builds them anew). JIT
     * thresholds x5: compiler threads start on start-up code at once and take the cores the
     * worker's own start-up runs on (~8 ms of a ~70 ms start on 2 cores); a long task is
     * compiled a few milliseconds later. Both are left out when the options pick a collector.
     */
    public static final List<String> QUICK_START_OPTIONS = List.of("-XX:+UseG1GC", "-XX:CompileThresholdScaling=5");

    /** Whether {@code options} choose a garbage collector ({@code -XX:+Use...GC}). */
    public static boolean choosesCollector(List<String> options) {
        return options.stream().anyMatch(o -> o.startsWith("-XX:+Use") && o.endsWith("GC"));
    }

    /**
     * A user's JVM option, with any JVM log output moved from stdout to stderr: {@code -Xlog:gc}
     * becomes {@code -Xlog:gc:stderr}, {@code -verbose:gc} becomes {@code -Xlog:gc:stderr}.
     */
    static String keepLogsOffStdout(String option) {
        if (option.startsWith("-verbose:")) {
            String what = option.substring("-verbose:".length());
            return switch (what) {
                case "gc" -> "-Xlog:gc:stderr";
                case "class" -> "-Xlog:class+load=info,class+unload=info:stderr";
                case "module" -> "-Xlog:module=info:stderr";
                default -> option; // -verbose:jni prints through another path, to stderr
            };
        }
        if (option.equals("-Xlog")) {
            return "-Xlog:all=info:stderr";
        }
        if (option.startsWith("-Xlog:") && !option.equals("-Xlog:disable") && !option.startsWith("-Xlog:help")) {
            String[] parts = option.substring("-Xlog:".length()).split(":", -1);
            if (parts.length == 1) {
                return option + ":stderr";
            }
            if (parts[1].isEmpty() || parts[1].equals("stdout")) {
                parts[1] = "stderr";
                return "-Xlog:" + String.join(":", parts);
            }
        }
        return option;
    }

    private final String javaExecutable;
    private final String classpath;
    private final String mainClass;
    private final Duration connectTimeout;
    private final Executor opener = Executors.newCachedThreadPool(DaemonThreads.named("procwire-fifo-open"));
    private RuntimeDirectory directory;
    private UnixSocketServer server;
    private boolean closed;

    public SpawnStarter() {
        this(javaOfThisJvm(), System.getProperty("java.class.path"));
    }

    /** The {@code java} launcher of the running JVM. */
    public static String javaOfThisJvm() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    public SpawnStarter(String javaExecutable, String classpath) {
        this(javaExecutable, classpath, WorkerMain.class.getName());
    }

    /** A starter whose workers run {@code mainClass} instead of {@link WorkerMain} (tests, tools). */
    public SpawnStarter(String javaExecutable, String classpath, String mainClass) {
        this(javaExecutable, classpath, mainClass, Duration.ofSeconds(30));
    }

    /**
     * @param connectTimeout how long a worker has to open its FIFOs or connect to the socket
     */
    public SpawnStarter(String javaExecutable, String classpath, String mainClass, Duration connectTimeout) {
        this.javaExecutable = javaExecutable;
        this.classpath = classpath;
        this.mainClass = mainClass;
        this.connectTimeout = connectTimeout;
    }

    /**
     * Where procwire's worker code and protobuf live: the worker JVM's own classpath. The
     * application classpath is handed over apart and loaded on demand (see WorkerMain).
     */
    private static final class BootClasspath {
        static final String VALUE = compute();

        private static String compute() {
            java.util.LinkedHashSet<String> entries = new java.util.LinkedHashSet<>();
            for (Class<?> c : new Class<?>[] {WorkerMain.class, dev.procwire.transport.Transport.class,
                    dev.procwire.proto.v1.Frame.class, com.google.protobuf.Message.class}) {
                try {
                    entries.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
                } catch (java.net.URISyntaxException | RuntimeException e) {
                    return System.getProperty("java.class.path"); // unusual class loading: no split
                }
            }
            return String.join(File.pathSeparator, entries);
        }
    }

    private static final class Cds {
        static final CdsArchive ARCHIVE = CdsArchive.of(BootClasspath.VALUE);
    }

    @Override
    public StartedWorker start(LaunchSpec spec) throws IOException {
        WorkerLink link = link(spec.transport());
        try {
            Process process = launch(spec, link::configure);
            String what = spec.transport().wireName() + " to worker " + spec.name() + " (pid " + process.pid() + ")";
            Transport transport = link.connect(process, what, spec.maxFrameBytes());
            StderrCollector stderr = new StderrCollector(process.getErrorStream(), spec.name(), process.pid(), spec.output());
            StderrCollector stdout = !link.stdoutIsText() ? null : new StderrCollector(process.getInputStream(),
                    spec.name(), process.pid(), spec.output(), dev.procwire.OutputLine.Stream.STDOUT);
            WorkerConnection connection = new WorkerConnection(transport, spec.workerId(), spec.name(),
                    spec.maxConcurrentTasks(), spec.maxFrameBytes(), spec.output(), spec.callbacks(), link.token());
            if (spec.holdWelcome()) {
                connection.holdWelcome();
            }
            connection.start();
            return new StartedWorker(process, connection, stderr, stdout);
        } catch (IOException | RuntimeException e) {
            link.close();
            throw e;
        }
    }

    /** Sets a worker's standard streams (stderr is a pipe unless changed) and its transport's variables. */
    @FunctionalInterface
    interface Streams {
        void configure(ProcessBuilder builder) throws IOException;
    }

    /**
     * Spawns {@code spec}'s worker process: the Java worker's command line (default JVM options,
     * CDS archive, split classpath) or the user's command, its folder and its environment, with
     * standard streams and transport variables set by {@code streams} before the spec's own
     * variables are added. Shared by {@code spawn} and the fork server, which reads a new
     * worker's Hello itself before handing it out.
     */
    Process launch(LaunchSpec spec, Streams streams) throws IOException {
        boolean split = false;
        CdsArchive.Use cds = null;
        List<String> command;
        if (spec.isJava()) {
            // A worker handed Connections needs Netty and junixsocket beside procwire on its own classpath.
            split = mainClass.equals(WorkerMain.class.getName()) && !Boolean.getBoolean("procwire.fullClasspath")
                    && !spec.environment().containsKey(Protocol.ENV_CONNECTIONS);
            cds = split && Cds.ARCHIVE != null ? Cds.ARCHIVE.use() : null;
            command = javaCommand(spec, split, cds);
        } else {
            command = spec.command();
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(Redirect.PIPE);
        if (spec.directory() != null) {
            builder.directory(new File(spec.directory().toString()));
        }
        // What this process got from its own runtime is not its workers' business.
        builder.environment().keySet().removeAll(INHERITED_PROTOCOL_VARIABLES);
        streams.configure(builder);
        builder.environment().putAll(spec.environment());
        builder.environment().put(Protocol.ENV_WORKER_ID, spec.workerId());
        builder.environment().put(Protocol.ENV_MAX_FRAME, Integer.toString(spec.maxFrameBytes()));
        if (spec.holdWelcome()) {
            builder.environment().put(Protocol.ENV_WELCOME_WAIT, "0");
        }
        if (split) {
            builder.environment().put(Protocol.ENV_CLASSPATH, classpath);
        }
        Process process = startProcess(builder, spec);
        if (cds != null) {
            CdsArchive.Use used = cds;
            process.onExit().thenRun(() -> used.exited(process.exitValue()));
        }
        return process;
    }

    /** Variables that name a runtime's resources; a worker's own workers get fresh ones. */
    static final List<String> INHERITED_PROTOCOL_VARIABLES = List.of(Protocol.ENV_CONNECTIONS,
            Protocol.ENV_CONNECTIONS_TOKEN, Protocol.ENV_TOKEN, Protocol.ENV_TRANSPORT, Protocol.ENV_FIFO_IN,
            Protocol.ENV_FIFO_OUT, Protocol.ENV_SOCKET, Protocol.ENV_CLASSPATH, Protocol.ENV_WELCOME_WAIT);

    private List<String> javaCommand(LaunchSpec spec, boolean split, CdsArchive.Use cds) {
        List<String> command = new ArrayList<>();
        command.add(javaExecutable);
        command.addAll(DEFAULT_JVM_OPTIONS);
        if (!choosesCollector(spec.jvmOptions())) {
            // Two would stop the JVM ("Multiple garbage collectors selected"). A worker writing
            // the class-data archive writes it under G1, so that it keeps the module graph for
            // the workers that start with G1 (an archive written under Serial lacks it).
            command.add(cds != null && cds.dumps() ? "-XX:+UseG1GC" : DEFAULT_GC);
        }
        if (cds != null) {
            command.addAll(cds.jvmOptions);
        }
        List<String> allow = dev.procwire.codec.JavaSerializationCodec.allowList();
        if (!allow.isEmpty()) {
            // Java serialization was turned on here: the worker reads the same classes, no others.
            command.add("-D" + dev.procwire.codec.JavaSerializationCodec.PROPERTY + "=" + String.join(";", allow));
        }
        for (String option : spec.jvmOptions()) {
            command.add(keepLogsOffStdout(option));
        }
        command.add("-cp");
        command.add(split ? BootClasspath.VALUE : classpath);
        command.add(mainClass);
        return command;
    }

    private static Process startProcess(ProcessBuilder builder, LaunchSpec spec) throws IOException {
        try {
            return builder.start();
        } catch (IOException e) {
            if (spec.isJava()) {
                throw e;
            }
            // ProcessBuilder's own words name the program but not what it was for.
            throw new IOException("cannot run worker command " + spec.command() + ": " + e.getMessage(), e);
        }
    }

    private synchronized WorkerLink link(WorkerTransport transport) throws IOException {
        if (closed) {
            throw new IllegalStateException("this starter is closed");
        }
        switch (transport) {
            case PIPE:
                return new PipeLink();
            case FIFO:
                return new FifoLink(directory(), connectTimeout, opener);
            case UNIX_SOCKET:
                if (server == null) {
                    server = UnixSocketServer.bind(directory().newName("socket"), FrameLimits.DEFAULT_MAX_FRAME_BYTES,
                            connectTimeout);
                }
                return new UnixSocketLink(server, connectTimeout);
            default:
                throw new AssertionError(transport);
        }
    }

    private RuntimeDirectory directory() throws IOException {
        if (directory == null) {
            directory = RuntimeDirectory.create();
        }
        return directory;
    }

    /**
     * Stops listening and removes this starter's private folder with its FIFOs and socket;
     * connections already open stay open. Idempotent.
     */
    @Override
    public synchronized void close() {
        closed = true;
        try {
            if (server != null) {
                server.close();
            }
            if (directory != null) {
                directory.close();
            }
        } catch (IOException e) {
            System.err.println("procwire: could not remove the runtime folder " + directory + ": " + e.getMessage());
        }
    }
}
