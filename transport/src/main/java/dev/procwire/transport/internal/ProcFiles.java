package dev.procwire.transport.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a small file of {@code /proc} in one read call. A sysctl file answers only a read from
 * offset 0: {@code Files.readString} reads its first byte alone, then sees its end (and gets
 * "1" for 1048576). Stateless. Internal.
 */
public final class ProcFiles {
    private static final int MAX_BYTES = 256;

    private ProcFiles() {}

    /** The file's text, trimmed (at most 256 bytes of it). */
    public static String read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = new byte[MAX_BYTES];
            int n = in.read(bytes);
            return new String(bytes, 0, Math.max(0, n), StandardCharsets.US_ASCII).strip();
        }
    }
}
