package dev.procwire.transport.fifo;

import static dev.procwire.transport.TestFrames.heartbeat;
import static dev.procwire.transport.TestFrames.output;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.procwire.proto.v1.Frame;
import dev.procwire.transport.FrameLimits;
import dev.procwire.transport.RecordingListener;
import dev.procwire.transport.RuntimeDirectory;
import dev.procwire.transport.Termination;
import dev.procwire.transport.Termination.Kind;
import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link FifoTransport}, {@link FifoPair}, {@link Fifos} and {@link RuntimeDirectory} on real FIFOs and children. */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FifoTransportTest {
    private static final int MAX = FrameLimits.DEFAULT_MAX_FRAME_BYTES;
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    private final List<Process> processes = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private RuntimeDirectory dir() throws IOException {
        RuntimeDirectory dir = RuntimeDirectory.create(tmp);
        closeables.add(dir);
        return dir;
    }

    private Process sh(String script, Object... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("sh", "-c", script));
        for (Object a : args) {
            command.add(a.toString());
        }
        // no pipes to the child: they would count as open descriptors
        Process p = new ProcessBuilder(command).redirectInput(Redirect.from(new File("/dev/null")))
                .redirectOutput(Redirect.DISCARD).redirectError(Redirect.INHERIT).start();
        processes.add(p);
        return p;
    }

    @Test
    void talksToCatInAChildProcessAndLeavesNoFifoOnDisk() throws Exception {
        RuntimeDirectory dir = dir();
        FifoPair fifos = FifoPair.create(dir);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fifos.toChild())));
        Process cat = sh("exec cat < \"$0\" > \"$1\"", fifos.toChild(), fifos.fromChild());
        FifoTransport transport = fifos.openRuntimeEnds("fifo to cat", MAX, WAIT, cat.toHandle());
        closeables.add(transport);
        assertEquals(List.of(), listing(dir.path()), "FIFOs are removed once both sides have them open");
        assertTrue(NonBlocking.isNonBlocking(transport.readFd));
        assertTrue(NonBlocking.isNonBlocking(transport.writeFd));

        RecordingListener heard = new RecordingListener();
        transport.start(heard);
        List<Frame> sent = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            sent.add(i == 500 ? output(1 << 20, i) : heartbeat(i));
        }
        sent.forEach(transport::send);
        assertEquals(sent, heard.next(sent.size()));
        transport.shutdown(); // cat reads end of stream, exits, and so closes its output
        assertEquals(Kind.LOCAL_SHUTDOWN, heard.termination().kind());
        assertTrue(cat.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        heard.assertContractKept();
    }

    @Test
    void readsWhatAShellWritesAndEndsWhenItExits() throws Exception {
        FifoPair fifos = FifoPair.create(dir());
        // 04 5a 02 08 01 = heartbeat{sequence: 1}
        Process child = sh("exec 3<\"$0\"; printf '\\004\\132\\002\\010\\001' > \"$1\"", fifos.toChild(), fifos.fromChild());
        FifoTransport transport = fifos.openRuntimeEnds("fifo to sh", MAX, WAIT, child.toHandle());
        closeables.add(transport);
        RecordingListener heard = new RecordingListener();
        transport.start(heard);
        assertEquals(heartbeat(1), heard.next());
        assertEquals(Kind.PEER_CLOSED, heard.termination().kind());
    }

    @Test
    void failsWithATimeoutNamingTheFifoWhenTheChildNeverOpensIt() throws Exception {
        RuntimeDirectory dir = dir();
        warmUp(dir);
        long fdsBefore = openDescriptors();
        FifoPair fifos = FifoPair.create(dir);
        Process child = sh("exec sleep 30");
        long start = System.nanoTime();
        FifoTimeoutException e = assertThrows(FifoTimeoutException.class,
                () -> fifos.openRuntimeEnds("fifo", MAX, Duration.ofMillis(300), child.toHandle()));
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(tookMillis < 5_000, "took " + tookMillis + " ms");
        assertTrue(e.getMessage().contains(e.path().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("within 300 ms"), e.getMessage());
        assertEquals(List.of(), listing(dir.path()), "FIFOs removed after a failed open");
        await().atMost(WAIT).untilAsserted(() -> {
            assertTrue(openDescriptors() <= fdsBefore, "descriptors: " + openDescriptors() + ", before: " + fdsBefore
                    + ": " + descriptorTargets());
            assertFalse(openerThreadsAlive(), "an opener thread is still blocked");
        });
    }

    @Test
    void namesTheFifoTheChildDidNotOpenWhenItOpensOnlyOne() throws Exception {
        FifoPair fifos = FifoPair.create(dir());
        Process child = sh("exec 3<\"$0\"; exec sleep 30", fifos.toChild());
        FifoTimeoutException e = assertThrows(FifoTimeoutException.class,
                () -> fifos.openRuntimeEnds("fifo", MAX, Duration.ofMillis(500), child.toHandle()));
        assertEquals(fifos.fromChild(), e.path());
        await().atMost(WAIT).untilAsserted(() -> assertFalse(openerThreadsAlive()));
    }

    @Test
    void failsAtOnceWhenTheChildExitsBeforeOpening() throws Exception {
        FifoPair fifos = FifoPair.create(dir());
        Process child = sh("exit 3");
        long start = System.nanoTime();
        IOException e = assertThrows(IOException.class,
                () -> fifos.openRuntimeEnds("fifo", MAX, WAIT, child.toHandle()));
        assertTrue((System.nanoTime() - start) / 1_000_000 < 5_000, "not at once");
        assertTrue(e.getMessage().contains("exited before opening") && e.getMessage().contains(tmp.toString()),
                e.getMessage());
    }

    @Test
    void refusesAPathThatIsNotAFifo() throws Exception {
        Path file = Files.writeString(tmp.resolve("plain"), "x");
        Path fifo = tmp.resolve("fifo");
        Fifos.create(fifo);
        IOException e = assertThrows(IOException.class,
                () -> FifoTransport.open(file, fifo, "t", MAX, WAIT, () -> true));
        assertEquals(file + " exists and is not a FIFO (it is a regular file)", e.getMessage());
        e = assertThrows(IOException.class, () -> FifoTransport.open(fifo, tmp, "t", MAX, WAIT, () -> true));
        assertTrue(e.getMessage().contains("it is a folder"), e.getMessage());
        e = assertThrows(IOException.class,
                () -> FifoTransport.open(tmp.resolve("missing"), fifo, "t", MAX, WAIT, () -> true));
        assertTrue(e.getMessage().contains("missing") && e.getMessage().contains("no such FIFO"), e.getMessage());
    }

    @Test
    void creatingAFifoWhereAFileExistsNamesThePath() throws Exception {
        Path file = Files.writeString(tmp.resolve("taken"), "x");
        IOException e = assertThrows(IOException.class, () -> Fifos.create(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("File exists"), e.getMessage());
        assertFalse(Fifos.isFifo(file));
    }

    @Test
    void runtimeDirectoryIsPrivateAndRemovedWithItsContents() throws Exception {
        RuntimeDirectory dir = RuntimeDirectory.create(tmp);
        assertTrue(dir.path().getFileName().toString().matches("procwire-" + ProcessHandle.current().pid() + "-[0-9a-f]+"));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.path())));
        FifoPair.create(dir);
        dir.close();
        dir.close();
        assertFalse(Files.exists(dir.path()));
        assertThrows(IllegalStateException.class, () -> dir.newName("x"));
    }

    @Test
    void runtimeDirectoryNamesAParentThatIsNotAFolder() throws Exception {
        Path file = Files.writeString(tmp.resolve("file"), "x");
        IOException e = assertThrows(IOException.class, () -> RuntimeDirectory.create(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("not a folder"), e.getMessage());
        e = assertThrows(IOException.class, () -> RuntimeDirectory.create(tmp.resolve("none")));
        assertTrue(e.getMessage().contains("no such folder"), e.getMessage());
    }

    @Test
    void runtimeDirectoryNamesAParentWithoutPermission() throws Exception {
        assumeTrue(!"root".equals(System.getProperty("user.name")), "root may write anywhere");
        Path locked = Files.createDirectory(tmp.resolve("locked"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-x------"));
        IOException e = assertThrows(IOException.class, () -> RuntimeDirectory.create(locked));
        assertTrue(e.getMessage().contains(locked.toString()) && e.getMessage().contains("permission denied"),
                e.getMessage());
    }

    @Test
    void sweepRemovesFoldersOfDeadRuntimesOnly() throws Exception {
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        Path stale = Files.createDirectory(tmp.resolve("procwire-" + dead.pid() + "-0123abcd"));
        Fifos.create(stale.resolve("fifo-1-to-child"));
        Path live = Files.createDirectory(tmp.resolve("procwire-" + ProcessHandle.current().pid() + "-0123abcd"));
        Path other = Files.createDirectory(tmp.resolve("procwire-not-a-runtime"));
        assertEquals(1, RuntimeDirectory.sweep(tmp));
        assertFalse(Files.exists(stale));
        assertTrue(Files.exists(live) && Files.exists(other));
    }

    private static void warmUp(RuntimeDirectory dir) throws Exception {
        FifoPair fifos = FifoPair.create(dir);
        Process child = new ProcessBuilder("sh", "-c", "exec 3<\"$0\"; exec 4>\"$1\"", fifos.toChild().toString(),
                fifos.fromChild().toString()).start();
        try (FifoTransport t = fifos.openRuntimeEnds("warm-up", MAX, WAIT, child.toHandle())) {
            t.start(new RecordingListener());
            Termination end = t.termination().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals(Kind.PEER_CLOSED, end.kind());
        }
        child.waitFor();
        FifoTimeoutException e = assertThrows(FifoTimeoutException.class, () ->
                FifoPair.create(dir).openRuntimeEnds("warm-up", MAX, Duration.ofMillis(50), ProcessHandle.current()));
        assertTrue(e.getMessage().contains("within 50 ms"));
        await().atMost(WAIT).until(() -> !openerThreadsAlive());
    }

    private static boolean openerThreadsAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().startsWith("procwire-fifo-open") && t.isAlive());
    }

    private static List<Path> listing(Path dir) throws IOException {
        try (var entries = Files.list(dir)) {
            return entries.toList();
        }
    }

    private static List<String> descriptorTargets() throws IOException {
        List<String> targets = new ArrayList<>();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    targets.add(fd.getFileName() + "->" + Files.readSymbolicLink(fd));
                } catch (IOException gone) {
                    // closed meanwhile
                }
            }
        }
        return targets;
    }

    private static long openDescriptors() {
        String[] fds = new File("/proc/self/fd").list();
        return fds == null ? -1 : fds.length;
    }
}
