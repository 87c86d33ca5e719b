package dev.procwire;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * How a worker and its runtime are connected. Everything above the transport (the Process API,
 * pools, actors, executors) behaves the same on each; they differ in what the operating system
 * does underneath. Chosen per runtime, per pool or per worker.
 */
public enum WorkerTransport {
    /** Anonymous pipes on the worker's standard input and output (the default). */
    PIPE("pipe"),
    /**
     * Two named FIFOs in the runtime's private folder, opened by the worker by path; its
     * standard output is then a plain text stream, shown as the worker's output.
     */
    FIFO("fifo"),
    /**
     * A Unix domain socket the runtime listens on in its private folder; the worker connects,
     * and is admitted only if the kernel-given peer credentials name the process the runtime
     * spawned and its handshake carries that worker's one-time token.
     */
    UNIX_SOCKET("unix");

    private final String wireName;

    WorkerTransport(String wireName) {
        this.wireName = wireName;
    }

    /** The name used in {@code PROCWIRE_TRANSPORT} and on command lines: pipe, fifo or unix. */
    public String wireName() {
        return wireName;
    }

    /**
     * The transport called {@code name} (pipe, fifo, unix; case does not matter).
     *
     * @throws IllegalArgumentException naming the valid names if there is none by that name
     */
    public static WorkerTransport of(String name) {
        for (WorkerTransport t : values()) {
            if (t.wireName.equalsIgnoreCase(name) || t.name().equalsIgnoreCase(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown worker transport \"" + name + "\"; valid: "
                + Arrays.stream(values()).map(WorkerTransport::wireName).collect(Collectors.joining(", ")));
    }
}
