package dev.procwire.internal;

/** Constants of protocol v1 shared by runtime and worker. Internal. */
public final class Protocol {
    /** Lowest and highest protocol versions this implementation speaks. */
    public static final int MIN_VERSION = 1;
    public static final int MAX_VERSION = 1;

    /** Environment variables a runtime gives a worker (PROTOCOL.md, "Environment"). */
    public static final String ENV_WORKER_ID = "PROCWIRE_WORKER_ID";
    public static final String ENV_TOKEN = "PROCWIRE_TOKEN";
    public static final String ENV_MAX_FRAME = "PROCWIRE_MAX_FRAME";
    /** Which transport the worker uses: pipe (also when absent), fifo or unix. */
    public static final String ENV_TRANSPORT = "PROCWIRE_TRANSPORT";
    /** fifo: the FIFO the worker reads frames from, and the one it writes frames to. */
    public static final String ENV_FIFO_IN = dev.procwire.transport.fifo.FifoPair.ENV_TO_CHILD;
    public static final String ENV_FIFO_OUT = dev.procwire.transport.fifo.FifoPair.ENV_FROM_CHILD;
    /** unix: the path of the runtime's socket the worker connects to. */
    public static final String ENV_SOCKET = "PROCWIRE_SOCKET";
    /** Where a worker collects the Connection ends handed to it, and the token it must show. */
    public static final String ENV_CONNECTIONS = "PROCWIRE_CONNECTIONS";
    public static final String ENV_CONNECTIONS_TOKEN = "PROCWIRE_CONNECTIONS_TOKEN";
    /** Java workers only: the application classpath, loaded apart from procwire's own. */
    public static final String ENV_CLASSPATH = "PROCWIRE_CLASSPATH";
    /** Java workers: how long to wait for Welcome, in ms; 0 waits until the input ends (warm workers). */
    public static final String ENV_WELCOME_WAIT = "PROCWIRE_WELCOME_WAIT_MILLIS";
    /** Test hook: a worker announces these versions instead of its own ("min..max"). */
    public static final String ENV_FAKE_VERSIONS = "PROCWIRE_TEST_ANNOUNCE_VERSIONS";

    /** The built-in function that runs a Batch, its argument's and its result's content types. */
    public static final String BATCH_FUNCTION = "procwire.map";
    public static final String BATCH_TYPE = "application/x-protobuf; type=procwire.v1.Batch";
    public static final String BATCH_RESULT_TYPE = "application/x-protobuf; type=procwire.v1.BatchResult";

    /** Function-name prefix for a Java class target. */
    public static final String JAVA_PREFIX = "java:";

    private Protocol() {}
}
