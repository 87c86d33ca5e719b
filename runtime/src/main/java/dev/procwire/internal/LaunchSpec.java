package dev.procwire.internal;

import dev.procwire.OutputListener;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * What a starter needs to start one worker. Internal.
 *
 * @param workerId the id the worker must announce in its Hello
 * @param name the worker's name
 * @param jvmOptions options for the worker's JVM, before the main class
 * @param environment variables added to the worker's environment
 * @param directory the worker's working folder, or {@code null} for the runtime's
 * @param maxFrameBytes largest frame either side accepts
 * @param output where the worker's lines go
 * @param callbacks where futures complete
 * @param maxConcurrentTasks tasks the worker runs at once, the rest queued (0: no limit)
 */
public record LaunchSpec(String workerId, String name, List<String> jvmOptions, Map<String, String> environment,
                         Path directory, int maxConcurrentTasks, int maxFrameBytes, OutputListener output,
                         Executor callbacks) {

    /** A spec with no limit on concurrent tasks. */
    public LaunchSpec(String workerId, String name, List<String> jvmOptions, Map<String, String> environment,
                      Path directory, int maxFrameBytes, OutputListener output, Executor callbacks) {
        this(workerId, name, jvmOptions, environment, directory, 0, maxFrameBytes, output, callbacks);
    }
}
