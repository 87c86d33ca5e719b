package dev.procwire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class ProcessPoolTest {
    static final ProcwireRuntime RUNTIME = ProcwireRuntime.builder().outputListener(OutputListener.toStderr()).build();

    static ProcessPool pool(int n) {
        return ProcessPool.builder().processes(n).runtime(RUNTIME).build();
    }

    static List<Integer> range(int n) {
        return IntStream.range(0, n).boxed().toList();
    }

    @Test
    void mapSquaresInOrderAsTheSeedShows() throws Exception {
        try (ProcessPool p = pool(4)) {
            assertEquals(List.of(0, 1, 4, 9, 16, 25, 36, 49, 64, 81), p.map(PoolFixtures.Square.class, range(10)));
        }
    }

    @Test
    void applyApplyAsyncImapAndStarmap() throws Exception {
        try (ProcessPool p = pool(2)) {
            assertEquals(16, p.apply(PoolFixtures.Square.class, 4));
            assertEquals(9, p.applyAsync(PoolFixtures.Square.class, 3).get());
            List<Integer> got = new ArrayList<>();
            p.imap(PoolFixtures.Square.class, range(20), 3).forEachRemaining(got::add);
            assertEquals(range(20).stream().map(i -> i * i).toList(), got);
            assertEquals(List.of(3, 7), p.starmap(PoolFixtures.Add.class, List.of(List.of(1, 2), List.of(3, 4))));
        }
    }

    @Test
    void aWorkerKilledMidTaskFailsOnlyThatTaskAndIsReplaced() throws Exception {
        try (ProcessPool p = pool(2)) {
            var doomed = p.applyAsync(PoolFixtures.SelfKill.class, -1);
            var fine = p.map(PoolFixtures.SelfKill.class, range(50), 1);
            assertEquals(range(50), fine);
            var e = assertThrows(java.util.concurrent.ExecutionException.class, doomed::get);
            assertTrue(e.getCause() instanceof WorkerDiedException, e.toString());
            assertTrue(e.getCause().getMessage().contains("killed by SIGKILL"), e.getCause().getMessage());
            assertEquals(List.of(1, 4), p.map(PoolFixtures.Square.class, List.of(1, 2)));
        }
    }

    /**
     * The tasks queued in a worker that dies: the one that was running fails, the ones that had
     * ended keep their results, the ones behind it run elsewhere. A worker must write each answer
     * before it begins its next task, or the pool cannot tell which of them had run.
     */
    @Test
    void aWorkerKilledMidTaskKeepsTheResultsOfTheTasksItHadEnded() throws Exception {
        for (int round = 0; round < 5; round++) {
            try (ProcessPool p = ProcessPool.builder().processes(1).prefetch(8).runtime(RUNTIME).build()) {
                p.apply(PoolFixtures.Square.class, 1); // started: the three below go out together
                // -57: the worker halts at once, well within the 0.5 ms a task may keep its thread
                var results = p.imap(PoolFixtures.Halt.class, List.of(1, 2, -57, 4), 1);
                assertEquals(1, results.next());
                assertEquals(2, results.next(), "a task that ended before its worker died keeps its result");
                var e = assertThrows(WorkerDiedException.class, results::next);
                assertTrue(e.getMessage().contains("57"), e.getMessage());
                assertEquals(4, results.next(), "the task behind the dead one runs in the new worker");
            }
        }
    }

    @Test
    void aFailingItemFailsMapWithItsRemoteException() {
        try (ProcessPool p = pool(2)) {
            RemoteException e = assertThrows(RemoteException.class, () -> p.map(PoolFixtures.Unlucky.class, range(20), 5));
            assertEquals("java.lang.IllegalArgumentException", e.remoteType());
            assertEquals("13 is unlucky", e.remoteMessage());
        }
    }

    @Test
    void initializerRegistersANamedFunction() {
        try (ProcessPool p = ProcessPool.builder().processes(2).runtime(RUNTIME)
                .initializer(PoolFixtures.RegisterDouble.class, 3).build()) {
            assertEquals(21, p.apply("double", 7));
        }
    }

    @Test
    void maxTasksPerChildReplacesWorkersWithoutLosingTasks() {
        try (ProcessPool p = ProcessPool.builder().processes(2).maxTasksPerChild(3).runtime(RUNTIME).build()) {
            List<Long> pids = p.map(PoolFixtures.Pid.class, range(30), 1);
            assertEquals(30, pids.size());
            long distinct = pids.stream().distinct().count();
            assertTrue(distinct >= 10, "30 tasks, 3 per child: at least 10 workers, got " + distinct);
        }
    }
}
