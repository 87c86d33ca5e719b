package dev.procwire.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs the pipe examples in their own JVMs and checks what they print. */
@Timeout(90)
class PipeExamplesTest {
    static final Duration LIMIT = Duration.ofSeconds(60);

    @Test
    void theParentReadsTheChildsMessagesInOrderUntilThePipeCloses() throws Exception {
        ExampleRun r = ExampleRun.of(AnonymousPipe.class, LIMIT);
        assertEquals(0, r.exitCode(), r::output);
        long parent = Long.parseLong(r.find("^parent pid: (\\d+)$"));
        assertEquals(r.pid(), parent, r::output);
        long child = Long.parseLong(r.find("^parent read: message 1 from pid (\\d+)$"));
        assertNotEquals(parent, child, r::output);
        int m1 = r.indexOf("parent read: message 1 from pid " + child);
        int m2 = r.indexOf("parent read: message 2 from pid " + child);
        int m3 = r.indexOf("parent read: message 3 from pid " + child);
        int closed = r.indexOf("the write end is closed: the child is done");
        assertTrue(m1 >= 0 && m2 > m1 && m3 > m2 && closed > m3, r::output);
        assertEquals(3, r.count("parent read: "), r::output);
        assertTrue(r.contains("child exit code: 0"), r::output);
    }

    @Test
    void aShellAndCatTalkToProcwireThroughAFifo() throws Exception {
        ExampleRun r = ExampleRun.of(NamedPipeExample.class, LIMIT);
        assertEquals(0, r.exitCode(), r::output);
        int read = r.indexOf("procwire read: hello from the shell");
        int cat = r.indexOf("cat printed: hello from procwire");
        int removed = r.indexOf("FIFO removed: true");
        assertTrue(read >= 0 && cat > read && removed > cat, r::output);
        assertTrue(r.contains("cat exit code: 0"), r::output);
    }
}
