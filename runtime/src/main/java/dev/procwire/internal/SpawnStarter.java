package dev.procwire.internal;

import dev.procwire.transport.Transport;
import dev.procwire.transport.pipe.ChildPipes;
import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code spawn} start method: a fresh JVM per worker, started with this JVM's classpath and
 * {@link WorkerMain}, talking over anonymous pipes on its standard input and output. Internal.
 */
public final class SpawnStarter implements WorkerStarter {
    /** Options for small, short-lived worker JVMs; a user's options come after and win. */
    static final List<String> DEFAULT_JVM_OPTIONS = List.of(
            "-XX:+UseSerialGC",      // one GC thread, smallest footprint, fastest start
            "-XX:-UsePerfData",      // no hsperfdata file in /tmp per worker
            "-Xshare:auto",          // the JDK's class-data archive when it has one
            // The JVM's own log (warnings, -Xlog, -verbose) goes to stdout by default, which is
            // the protocol stream here: send all of it to stderr instead.
            "-Xlog:disable",
            "-Xlog:all=warning:stderr:uptime,level,tags");

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
        this.javaExecutable = javaExecutable;
        this.classpath = classpath;
        this.mainClass = mainClass;
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
        List<String> command = new ArrayList<>();
        command.add(javaExecutable);
        command.addAll(DEFAULT_JVM_OPTIONS);
        // A worker handed Connections needs Netty and junixsocket beside procwire on its own classpath.
        boolean split = mainClass.equals(WorkerMain.class.getName()) && !Boolean.getBoolean("procwire.fullClasspath")
                && !spec.environment().containsKey(Protocol.ENV_CONNECTIONS);
        CdsArchive.Use cds = split && Cds.ARCHIVE != null ? Cds.ARCHIVE.use() : null;
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

        ChildPipes pipes = ChildPipes.open();
        try {
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectInput(pipes.childInput())
                    .redirectOutput(pipes.childOutput())
                    .redirectError(Redirect.PIPE);
            if (spec.directory() != null) {
                builder.directory(new File(spec.directory().toString()));
            }
            // a worker's own children never see the connections handed to it
            builder.environment().remove(Protocol.ENV_CONNECTIONS);
            builder.environment().remove(Protocol.ENV_CONNECTIONS_TOKEN);
            builder.environment().putAll(spec.environment());
            builder.environment().put(Protocol.ENV_WORKER_ID, spec.workerId());
            builder.environment().put(Protocol.ENV_MAX_FRAME, Integer.toString(spec.maxFrameBytes()));
            if (split) {
                builder.environment().put(Protocol.ENV_CLASSPATH, classpath);
            }
            Process process = builder.start();
            pipes.closeChildEnds();
            if (cds != null) {
                process.onExit().thenRun(() -> cds.exited(process.exitValue()));
            }
            Transport transport = pipes.transport(
                    "pipes to worker " + spec.name() + " (pid " + process.pid() + ")", spec.maxFrameBytes());
            StderrCollector stderr = new StderrCollector(process.getErrorStream(), spec.name(), process.pid(), spec.output());
            WorkerConnection connection = new WorkerConnection(transport, spec.workerId(), spec.name(),
                    spec.maxConcurrentTasks(), spec.maxFrameBytes(), spec.output(), spec.callbacks());
            connection.start();
            return new StartedWorker(process, connection, stderr);
        } catch (IOException | RuntimeException e) {
            pipes.close();
            throw e;
        }
    }
}
