package dev.procwire.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class PipeSizesTest {
    @Test
    void readsASysctlNumberWhole() throws Exception {
        // Files.readString gives "1" for such a file: it answers only a read from offset 0.
        Process cat = new ProcessBuilder("cat", "/proc/sys/fs/pipe-max-size").start();
        long expected = Long.parseLong(new String(cat.getInputStream().readAllBytes()).strip());
        assertEquals(expected, PipeSizes.readLong(Path.of("/proc/sys/fs/pipe-max-size"), -1));
        assertEquals(-1, PipeSizes.readLong(Path.of("/proc/sys/fs/no-such-sysctl"), -1));
    }
}
