package dev.procwire.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.procwire.TestClasspath;
import dev.procwire.transport.uds.PeerAuthentication;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Who may use a fork server: only its own user, both ways. The tests that need a process of
 * another user run one with {@code setpriv} as uid 65534 (nobody), which needs root; they are
 * skipped, saying so, when this JVM is not root.
 */
@Timeout(120)
class ForkServerSecurityTest extends ForkServerTestBase {
    private static final int NOBODY = 65534;
    private static void assumeRootWithSetpriv() {
        assumeTrue(PeerAuthentication.currentUid() == 0, "needs root: a process of another user is run with setpriv");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs /usr/bin/setpriv to run as another user");
    }

    private static List<String> asNobody(String... command) {
        List<String> c = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY,
                "--clear-groups"));
        c.addAll(List.of(command));
        return c;
    }

    @Test
    void aPeerOfAnotherUserIsRefusedByTheServer() throws Exception {
        assumeRootWithSetpriv();
        ForkServerStarter s = t.starter();
        ForkServerTesting.awaitReady(t.start(s, "sec-1"));
        long server = s.serverPid();
        Path socket;
        try (var files = Files.list(t.folder())) {
            socket = files.filter(p -> p.toString().endsWith(".sock")).findFirst().orElseThrow();
        }
        // Let nobody reach the socket, so that only the server's own check stands in its way.
        Files.setPosixFilePermissions(t.parent, PosixFilePermissions.fromString("rwx--x--x"));
        Files.setPosixFilePermissions(t.folder(), PosixFilePermissions.fromString("rwx--x--x"));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
        Path probe = probeClasspath();
        try {
            Process p = new ProcessBuilder(asNobody(SpawnStarter.javaOfThisJvm(), "-cp", probe.resolve("classes") + ":"
                    + probe.resolve("*"), ForkServerPeerProbe.class.getName(), socket.toString()))
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertTrue(out.contains("REFUSED process ") && out.contains("runs as uid " + NOBODY)
                    && out.contains("fork server (pid " + server + ") serves only uid 0"), out);
            assertTrue(out.contains("CLOSED"), out);

            // And a runtime of this user refuses the folder now that others may enter it.
            ForkServerStarter other = t.starter();
            IOException e = assertThrows(IOException.class, () -> other.start(ForkServerTesting.spec("sec-2", List.of())));
            assertTrue(e.getMessage().contains("its mode is rwx--x--x, not rwx------"), e.getMessage());
        } finally {
            Files.setPosixFilePermissions(t.folder(), PosixFilePermissions.fromString("rwx------"));
            Files.setPosixFilePermissions(t.parent, PosixFilePermissions.fromString("rwx------"));
            deleteTree(probe);
        }
        // the server itself is unaffected
        StartedWorker w = t.start(s, "sec-3");
        ForkServerTesting.awaitReady(w);
        assertEquals(4, ForkServerTesting.square(w, 2));
    }

    @Test
    void aServerOfAnotherUserIsRefusedByTheRuntime() throws Exception {
        assumeRootWithSetpriv();
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "needs /usr/bin/python3 for a fake server");
        Path open = Files.createDirectory(t.parent.resolve("open"));
        Files.setPosixFilePermissions(t.parent, PosixFilePermissions.fromString("rwx--x--x"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path socket = open.resolve("fake.sock");
        Process fake = new ProcessBuilder(asNobody("/usr/bin/python3", "-c", "import socket,time\n"
                + "s=socket.socket(socket.AF_UNIX)\ns.bind('" + socket + "')\ns.listen(4)\nprint('up',flush=True)\n"
                + "time.sleep(60)\n")).redirectErrorStream(true).start();
        try {
            assertEquals("up", new String(fake.getInputStream().readNBytes(2), StandardCharsets.UTF_8),
                    "the fake server did not start");
            ForkServerException e = assertThrows(ForkServerException.class,
                    () -> ForkServerClient.connect(socket, PeerAuthentication.currentUid(), Duration.ofSeconds(5)));
            assertEquals(ForkServerException.Kind.REFUSED, e.kind());
            assertTrue(e.getMessage().contains("(pid " + fake.pid() + ") runs as uid " + NOBODY)
                    && e.getMessage().contains("another user's process has replaced the fork server"), e.getMessage());
        } finally {
            fake.destroyForcibly();
            fake.waitFor(10, TimeUnit.SECONDS);
            Files.setPosixFilePermissions(t.parent, PosixFilePermissions.fromString("rwx------"));
        }
    }

    @Test
    void aFolderOfAnotherUserIsRefused() throws Exception {
        assumeRootWithSetpriv();
        Files.createDirectory(t.folder());
        Files.setPosixFilePermissions(t.folder(), PosixFilePermissions.fromString("rwx------"));
        Files.setAttribute(t.folder(), "unix:uid", NOBODY);
        try {
            IOException e = assertThrows(IOException.class,
                    () -> t.starter().start(ForkServerTesting.spec("sec-4", List.of())));
            assertTrue(e.getMessage().contains("it belongs to uid " + NOBODY + ", not to this user (uid 0)"),
                    e.getMessage());
        } finally {
            Files.setAttribute(t.folder(), "unix:uid", 0);
        }
    }

    /** The probe's class and junixsocket's jars, where another user can read them. */
    private static Path probeClasspath() throws IOException {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "pwprobe");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        String name = ForkServerPeerProbe.class.getName().replace('.', '/') + ".class";
        Path classFile = Path.of(ForkServerPeerProbe.class.getProtectionDomain().getCodeSource().getLocation().getPath())
                .resolve(name);
        Path target = dir.resolve("classes").resolve(name);
        Files.createDirectories(target.getParent());
        Files.copy(classFile, target);
        for (String entry : TestClasspath.entries()) {
            if (entry.contains("junixsocket") && entry.endsWith(".jar")) {
                Files.copy(Path.of(entry), dir.resolve(Path.of(entry).getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x"
                        : "rw-r--r--"));
            }
        }
        return dir;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
