package dev.procwire.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.procwire.OutputLine;
import dev.procwire.codec.ContentTypes;
import dev.procwire.codec.ValueCodec;
import dev.procwire.internal.WorkerConnection;
import dev.procwire.proto.v1.Batch;
import dev.procwire.proto.v1.BatchResult;
import dev.procwire.proto.v1.ErrorCode;
import dev.procwire.proto.v1.Frame;
import dev.procwire.proto.v1.Hello;
import dev.procwire.proto.v1.Payload;
import dev.procwire.proto.v1.Shutdown;
import dev.procwire.proto.v1.Submit;
import dev.procwire.transport.RuntimeDirectory;
import dev.procwire.transport.Transport;
import dev.procwire.transport.fifo.FifoPair;
import dev.procwire.transport.pipe.ChildPipes;
import dev.procwire.transport.uds.PeerAuthentication;
import dev.procwire.transport.uds.UnixSocketServer;
import java.io.File;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Java runtime's own session code ({@link WorkerConnection}) and transports (pipes, a FIFO
 * pair, a Unix socket with peer checks) against a real Python worker: handshake, a call, a
 * procwire.map batch, a failure with its Python traceback, output, and a graceful shutdown.
 * A smoke test of the wire between the two protobuf implementations; the runtime's public API
 * (pools of Python workers) is tested once it can start a worker from a command line.
 */
class JavaRuntimeMeetsPythonWorkerTest {
    private static final int MAX_FRAME = 1 << 20;
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final ExecutorService callbacks = Executors.newCachedThreadPool();
    private final List<OutputLine> lines = new CopyOnWriteArrayList<>();
    private RuntimeDirectory dir;
    private Process process;
    private AutoCloseable resource;

    @BeforeEach
    void createDirectory() throws Exception {
        dir = RuntimeDirectory.create();
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (process != null) {
            process.destroyForcibly().waitFor();
        }
        if (resource != null) {
            resource.close();
        }
        dir.close();
        callbacks.shutdownNow();
    }

    private WorkerConnection start(String transport, String token) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(PythonWorkers.command())
                .directory(PythonWorkers.pythonDir().toFile())
                .redirectError(dir.newName("stderr").toFile());
        builder.environment().putAll(PythonWorkers.environment("py-w1", token, MAX_FRAME));
        builder.environment().put("PROCWIRE_TRANSPORT", transport);
        Transport t;
        switch (transport) {
            case "pipe" -> {
                ChildPipes pipes = ChildPipes.open();
                resource = pipes;
                process = builder.redirectInput(pipes.childInput()).redirectOutput(pipes.childOutput()).start();
                pipes.closeChildEnds();
                t = pipes.transport("pipes to a Python worker", MAX_FRAME);
            }
            case "fifo" -> {
                FifoPair fifos = FifoPair.create(dir);
                builder.environment().putAll(fifos.childEnvironment());
                process = builder.redirectInput(Redirect.from(new File("/dev/null")))
                        .redirectOutput(Redirect.DISCARD).start();
                t = fifos.openRuntimeEnds("FIFOs to a Python worker", MAX_FRAME, TIMEOUT, process.toHandle());
            }
            case "unix" -> {
                UnixSocketServer server = UnixSocketServer.bind(dir, MAX_FRAME);
                resource = server;
                builder.environment().put("PROCWIRE_SOCKET", server.path().toString());
                process = builder.redirectInput(Redirect.from(new File("/dev/null")))
                        .redirectOutput(Redirect.DISCARD).start();
                t = server.expect(process.pid(), "socket to a Python worker", TIMEOUT)
                        .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
            default -> throw new IllegalArgumentException(transport);
        }
        WorkerConnection c = new WorkerConnection(t, "py-w1", "python-1", 0, MAX_FRAME, lines::add, callbacks);
        c.start();
        return c;
    }

    private static Payload value(Object o) {
        return ValueCodec.INSTANCE.encode(o);
    }

    private static Frame call(WorkerConnection c, String function, Payload argument) throws Exception {
        return c.request(id -> Frame.newBuilder().setSubmit(Submit.newBuilder()
                .setRequestId(id).setFunction(function).setArgument(argument)).build())
                .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"pipe", "fifo", "unix"})
    void sessionWithAPythonWorker(String transport) throws Exception {
        String token = PeerAuthentication.newToken();
        WorkerConnection c = start(transport, token);
        Hello hello = c.ready().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertEquals("python", hello.getLanguage());
        assertEquals(process.pid(), hello.getPid());
        assertTrue(PeerAuthentication.tokenMatches(token, hello.getAuthToken().toByteArray()), "token");
        assertTrue(c.agreed("actors") && c.agreed("cancel"), "capabilities " + hello.getCapabilitiesList());

        // Java sends an Integer (int32_value); Python answers an int as int64_value: a Long.
        Frame squared = call(c, "square", value(7));
        assertEquals(49L, ValueCodec.INSTANCE.decode(squared.getResult().getValue()));

        Frame added = call(c, "add", value(List.of(2, 3)));
        assertEquals(5L, ValueCodec.INSTANCE.decode(added.getResult().getValue()));

        Batch batch = Batch.newBuilder().setFunction("reciprocal")
                .addArguments(value(2)).addArguments(value(0)).addArguments(value(4.0)).build();
        Frame mapped = call(c, "procwire.map", Payload.newBuilder()
                .setContentType("application/x-protobuf; type=procwire.v1.Batch").setData(batch.toByteString()).build());
        assertEquals("application/x-protobuf; type=procwire.v1.BatchResult",
                ContentTypes.base(mapped.getResult().getValue().getContentType()) + "; type="
                        + ContentTypes.parameter(mapped.getResult().getValue().getContentType(), "type"));
        BatchResult outcomes = BatchResult.parseFrom(mapped.getResult().getValue().getData());
        assertEquals(0.5, ValueCodec.INSTANCE.decode(outcomes.getOutcomes(0).getValue()));
        assertEquals("ZeroDivisionError", outcomes.getOutcomes(1).getError().getType());
        assertEquals(0.25, ValueCodec.INSTANCE.decode(outcomes.getOutcomes(2).getValue()));

        Frame failed = call(c, "fail", value("bad input"));
        assertEquals(ErrorCode.TASK_FAILED, failed.getFailure().getError().getCode());
        assertEquals("ValueError", failed.getFailure().getError().getType());
        assertTrue(failed.getFailure().getError().getStackTrace().contains("raise ValueError(message) from e"),
                failed.getFailure().getError().getStackTrace());
        assertEquals("KeyError", failed.getFailure().getError().getCause().getType());

        Frame text = call(c, "echo", Payload.newBuilder().setContentType(ContentTypes.TEXT)
                .setData(ByteString.copyFromUtf8("h\u00e9")).build());
        assertEquals("h\u00e9", ValueCodec.INSTANCE.decode(text.getResult().getValue()));

        c.transport().send(Frame.newBuilder().setShutdown(Shutdown.newBuilder()
                .setGraceful(true).setGraceMillis(5000)).build());
        c.closed().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertTrue(process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the worker did not exit");
        assertEquals(0, process.exitValue(), stderr());
        assertEquals(0, c.exitNotice().getExitCode());
        assertTrue(lines.stream().anyMatch(l -> l.text().equals("adding 2 and 3") && l.pid() == process.pid()),
                "output lines: " + lines);
    }

    private String stderr() throws Exception {
        try (var files = Files.list(dir.path())) {
            Path log = files.filter(p -> p.getFileName().toString().startsWith("stderr")).findFirst().orElse(null);
            return log == null ? "" : Files.readString(log);
        }
    }
}
