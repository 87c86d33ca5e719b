package dev.procwire.examples;

import dev.procwire.NamedPipe;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Seed section "named pipe" (Python's {@code os.mkfifo(path)}).
 *
 * <p>A named pipe is an anonymous pipe with a name in the file system: any process that knows
 * the path can open it, related or not. Unlike an anonymous pipe, which lasts only as long as
 * the processes using it, the FIFO stays there (the seed says until the operating system shuts
 * down) until it is removed, so this example removes it at the end.
 *
 * <p>First an unrelated shell writes a line into the FIFO and procwire reads it; then procwire
 * writes a line and {@code cat} reads it.
 */
public final class NamedPipeExample {
    private NamedPipeExample() {}

    static final Duration OPEN_TIMEOUT = Duration.ofSeconds(20);

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("procwire-fifo");
        NamedPipe fifo = NamedPipe.create(dir.resolve("channel")); // os.mkfifo(path), mode 0600
        System.out.println("created FIFO " + fifo.path());
        try {
            // Another program writes: sh -c 'echo hello from the shell > PATH'
            Process shell = new ProcessBuilder("sh", "-c", "echo hello from the shell > \"$1\"", "sh",
                    fifo.path().toString()).inheritIO().start();
            try (NamedPipe.Reader in = fifo.openReader(OPEN_TIMEOUT)) { // waits for the writer
                System.out.println("procwire read: " + in.readLine());
            }
            System.out.println("shell exit code: " + shell.waitFor());

            // procwire writes, cat reads
            Process cat = new ProcessBuilder("cat", fifo.path().toString()).redirectErrorStream(true).start();
            try (NamedPipe.Writer out = fifo.openWriter(OPEN_TIMEOUT)) { // waits for cat to open it
                out.writeLine("hello from procwire");
            } // closing the only writer: cat sees end of file
            try (BufferedReader catOut = new BufferedReader(
                    new InputStreamReader(cat.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = catOut.readLine()) != null) {
                    System.out.println("cat printed: " + line);
                }
            }
            System.out.println("cat exit code: " + cat.waitFor());
        } finally {
            // A FIFO stays in the file system until it is removed.
            fifo.remove();
            Files.deleteIfExists(dir);
        }
        System.out.println("FIFO removed: " + !fifo.exists());
    }
}
