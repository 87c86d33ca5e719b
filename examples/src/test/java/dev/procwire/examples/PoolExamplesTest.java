package dev.procwire.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the pool examples (seed sections "multiprocessing pool VS concurrent.futures" to "imap")
 * as a user would, each in its own JVM, and checks their output for what the seed says.
 */
@Timeout(90)
class PoolExamplesTest {
    static final Duration LIMIT = Duration.ofSeconds(60);

    private static final Pattern WORKER_LINE = Pattern.compile("^\\[[A-Za-z]+-\\d+ \\d+\\] ");

    /**
     * The lines the example's main printed itself: not the lines of its workers, tagged
     * "[name pid] " (a worker's JVM warnings on stderr would be such lines too).
     */
    private static List<String> ownLines(ExampleRun r) {
        return r.lines().stream().filter(l -> !WORKER_LINE.matcher(l).find()).toList();
    }

    @Test
    void executorPrintsItsResults() throws Exception {
        ExampleRun r = ExampleRun.of(PoolVersusExecutor.class, LIMIT);
        assertEquals(0, r.exitCode(), r::output);
        assertEquals(List.of("result=1", "result=4", "result=9", "6 * 7 = 42"), ownLines(r), r::output);
        long worker = Long.parseLong(r.find("^\\[SpawnPoolWorker-\\d+ \\d+\\] 6 \\* 7 in pid (\\d+)$"));
        assertTrue(worker != r.pid(), r::output); // the Callable ran in a worker
    }

    @Test
    void contextManagerPrintsTheSquaresOfZeroToNine() throws Exception {
        ExampleRun r = ExampleRun.of(PoolContextManager.class, LIMIT);
        assertEquals(0, r.exitCode(), r::output);
        assertEquals(List.of("[0, 1, 4, 9, 16, 25, 36, 49, 64, 81]"), ownLines(r), r::output);
    }

    @Test
    void applyPrintsSixteenNineFourOne() throws Exception {
        ExampleRun r = ExampleRun.of(Apply.class, LIMIT);
        assertEquals(0, r.exitCode(), r::output);
        assertEquals(List.of("16", "9", "4", "1"), ownLines(r), r::output);
    }

    @Test
    void applyAsyncRunsTheFourTasksAtOnceAndPrintsTheResultsInOrder() throws Exception {
        ExampleRun r = ExampleRun.of(ApplyAsync.class, LIMIT);
        assertEquals(0, r.exitCode(), r::output);
        List<String> own = ownLines(r);
        assertEquals(List.of("result=0", "result=1", "result=2", "result=3"), own.subList(0, 4), r::output);
        // "i=4" once from each of four different workers, each tagged with its own pid
        Pattern last = Pattern.compile("^\\[SpawnPoolWorker-\\d+ (\\d+)\\] i=4 pid=(\\d+)$");
        Set<String> pids = r.lines().stream().map(last::matcher).filter(Matcher::matches)
                .peek(m -> assertEquals(m.group(1), m.group(2), r::output))
                .map(m -> m.group(2)).collect(Collectors.toSet());
        assertEquals(4, pids.size(), r::output);
        assertEquals(20, r.count("] i="), r::output);
        // about 5 s, not 4 x 5 s: loosely, well under the 20 s one after another would take
        long elapsed = Long.parseLong(r.find("^elapsed: (\\d+) ms"));
        assertTrue(elapsed >= 5000 && elapsed < 12_000, r::output);
        int firstResult = r.indexOf("result=0");
        assertTrue(firstResult > r.indexOf("i=4"), r::output); // result=0 waited for task 0's end
    }

    @Test
    void mapPrintsOneFourNine() throws Exception {
        ExampleRun r = ExampleRun.of(MapExample.class, LIMIT);
        assertEquals(0, r.exitCode(), r::output);
        assertEquals(List.of("[1, 4, 9]"), ownLines(r), r::output);
    }

    @Test
    void mapAsyncPrintsOneFourNine() throws Exception {
        ExampleRun r = ExampleRun.of(MapAsync.class, LIMIT);
        assertEquals(0, r.exitCode(), r::output);
        assertEquals(List.of("[1, 4, 9]"), ownLines(r), r::output);
    }

    @Test
    void imapPrintsOneFourNineInOrder() throws Exception {
        ExampleRun r = ExampleRun.of(IMap.class, LIMIT);
        assertEquals(0, r.exitCode(), r::output);
        assertEquals(List.of("1", "4", "9"), ownLines(r), r::output);
    }
}
