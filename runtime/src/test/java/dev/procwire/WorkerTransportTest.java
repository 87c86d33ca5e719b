package dev.procwire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The Process API and the pool behave the same whichever transport connects the workers. */
@Timeout(90)
class WorkerTransportTest {

    /** Writes a line straight to file descriptor 1, past System.out. */
    static final class WritesToFd1 implements Task<String, String> {
        @Override
        public String call(String text) throws IOException {
            FileOutputStream fd1 = new FileOutputStream(FileDescriptor.out);
            fd1.write((text + "\n").getBytes(StandardCharsets.UTF_8));
            fd1.flush();
            return "written";
        }
    }

    private static ProcwireRuntime runtime(WorkerTransport transport, List<OutputLine> lines) {
        return ProcwireRuntime.builder().transport(transport).outputListener(lines::add).build();
    }

    @ParameterizedTest
    @EnumSource(WorkerTransport.class)
    void aProcessRunsItsTargetPrintsTaggedOutputAndExits(WorkerTransport transport) throws Exception {
        List<OutputLine> lines = new CopyOnWriteArrayList<>();
        try (ProcwireRuntime rt = runtime(transport, lines)) {
            WorkerProcess p = new WorkerProcess(Fixtures.Hello.class, "bob").setName("greeter").setRuntime(rt);
            p.start();
            p.join();
            assertEquals(0, p.exitCode());
            assertTrue(lines.stream().anyMatch(l -> l.workerName().equals("greeter") && l.pid() == p.pid()
                    && l.text().contains("bob")), lines::toString);
        }
    }

    @ParameterizedTest
    @EnumSource(WorkerTransport.class)
    void aPoolMapsAndReplacesAWorkerThatDied(WorkerTransport transport) throws Exception {
        try (ProcwireRuntime rt = runtime(transport, new CopyOnWriteArrayList<>());
             ProcessPool pool = ProcessPool.builder().processes(2).runtime(rt).build()) {
            List<Integer> items = IntStream.range(0, 200).boxed().toList();
            assertEquals(items, pool.map(PoolTestTasks.Echo.class, items, 7));
            TaskFuture<Void> dies = pool.applyAsync(Fixtures.Exits.class, 3);
            Exception e = assertThrows(Exception.class, () -> dies.get(30, TimeUnit.SECONDS));
            assertInstanceOf(WorkerDiedException.class, e.getCause(), e::toString);
            assertEquals(List.of(1, 2, 3), pool.map(PoolTestTasks.Echo.class, List.of(1, 2, 3)));
        }
    }

    @ParameterizedTest
    @EnumSource(value = WorkerTransport.class, names = {"FIFO", "UNIX_SOCKET"})
    void whatNativeCodeWritesToStdoutIsShownWhenStdoutIsNotTheProtocol(WorkerTransport transport) throws Exception {
        List<OutputLine> lines = new CopyOnWriteArrayList<>();
        try (ProcwireRuntime rt = runtime(transport, lines);
             ProcessPool pool = ProcessPool.builder().processes(1).runtime(rt).build()) {
            assertEquals("written", pool.apply(WritesToFd1.class, "straight to fd 1"));
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() ->
                    lines.stream().anyMatch(l -> l.stream() == OutputLine.Stream.STDOUT
                            && l.text().equals("straight to fd 1")));
        }
    }

    @ParameterizedTest
    @EnumSource(value = WorkerTransport.class, names = {"FIFO", "UNIX_SOCKET"})
    void closingTheRuntimeLeavesNoFileBehind(WorkerTransport transport) throws Exception {
        Set<Path> before = runtimeFolders();
        try (ProcwireRuntime rt = runtime(transport, new CopyOnWriteArrayList<>());
             ProcessPool pool = ProcessPool.builder().processes(2).runtime(rt).build()) {
            assertEquals(List.of(4, 5), pool.map(PoolTestTasks.Echo.class, List.of(4, 5)));
            assertTrue(runtimeFolders().size() > before.size(), "the runtime keeps a private folder while it runs");
        }
        assertEquals(before, runtimeFolders());
    }

    /** This JVM's runtime folders (procwire-PID-*) in the temp folder. */
    static Set<Path> runtimeFolders() throws IOException {
        String prefix = "procwire-" + ProcessHandle.current().pid() + "-";
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix)).collect(Collectors.toSet());
        }
    }
}
