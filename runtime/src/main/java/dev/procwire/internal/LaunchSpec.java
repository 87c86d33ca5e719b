package dev.procwire.internal;

import dev.procwire.OutputListener;
import dev.procwire.WorkerTransport;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * What a starter needs to start one worker. Internal.
 *
 * @param workerId the id the worker must announce in its Hello
 * @param name the worker's name
 * @param jvmOptions options for the worker's JVM, before the main class (Java workers)
 * @param environment variables added to the worker's environment
 * @param directory the worker's working folder, or {@code null} for the runtime's
 * @param maxConcurrentTasks tasks the worker runs at once, the rest queued (0: no limit)
 * @param maxFrameBytes largest frame either side accepts
 * @param output where the worker's lines go
 * @param callbacks where futures complete
 * @param transport how the worker is connected
 * @param command the program of a worker that is not procwire's Java worker (its first element
 *     the executable); empty for a Java worker
 * @param holdWelcome a worker started ahead of demand: its Hello is checked but answered only
 *     when it is handed out ({@link WorkerConnection#assign}), and it waits for that
 */
public record LaunchSpec(String workerId, String name, List<String> jvmOptions, Map<String, String> environment,
                         Path directory, int maxConcurrentTasks, int maxFrameBytes, OutputListener output,
                         Executor callbacks, WorkerTransport transport, List<String> command, boolean holdWelcome) {

    public LaunchSpec {
        Objects.requireNonNull(transport, "transport");
        command = List.copyOf(command);
    }

    /** A Java worker over pipes with no limit on concurrent tasks. */
    public LaunchSpec(String workerId, String name, List<String> jvmOptions, Map<String, String> environment,
                      Path directory, int maxFrameBytes, OutputListener output, Executor callbacks) {
        this(workerId, name, jvmOptions, environment, directory, 0, maxFrameBytes, output, callbacks,
                WorkerTransport.PIPE, List.of(), false);
    }

    /** This spec for a worker started ahead of demand, under the name {@code placeholder}. */
    public LaunchSpec ahead(String placeholder) {
        return new LaunchSpec(workerId, placeholder, jvmOptions, environment, directory, maxConcurrentTasks,
                maxFrameBytes, output, callbacks, transport, command, true);
    }

    /** Whether this is procwire's own Java worker (not a command of the user's). */
    public boolean isJava() {
        return command.isEmpty();
    }
}
