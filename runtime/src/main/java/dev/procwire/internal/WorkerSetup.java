package dev.procwire.internal;

import dev.procwire.WorkerTransport;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * How a process or a pool wants its workers made, beyond the runtime's defaults. Internal.
 *
 * @param jvmOptions options added to the runtime's for each worker JVM (Java workers)
 * @param environment variables added to each worker's environment
 * @param directory the workers' working folder, or {@code null} for the runtime's
 * @param transport how workers are connected, or {@code null} for the runtime's choice
 * @param command the program of a non-Java worker; empty for procwire's Java worker
 */
public record WorkerSetup(List<String> jvmOptions, Map<String, String> environment, Path directory,
                          WorkerTransport transport, List<String> command) {
    public WorkerSetup {
        jvmOptions = List.copyOf(jvmOptions);
        environment = Map.copyOf(environment);
        command = List.copyOf(command);
    }

    /** Checks a worker command line: a program and its arguments, none of them null. */
    public static List<String> checkCommand(List<String> command) {
        if (command.isEmpty() || command.get(0).isBlank()) {
            throw new IllegalArgumentException("a worker command needs at least a program to run, got " + command);
        }
        for (int i = 0; i < command.size(); i++) {
            if (command.get(i) == null) {
                throw new IllegalArgumentException("argument " + i + " of worker command " + command + " is null");
            }
        }
        return List.copyOf(command);
    }
}
