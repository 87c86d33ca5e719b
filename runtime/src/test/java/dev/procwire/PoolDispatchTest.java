package dev.procwire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Work spreads over idle workers before any worker gets a task ahead. */
@Timeout(60)
class PoolDispatchTest {
    /** Sleeps a little and says which worker it ran in. */
    static final class SlowPid implements Task<Integer, Long> {
        @Override
        public Long call(Integer millis) throws InterruptedException {
            Thread.sleep(millis);
            return ProcessHandle.current().pid();
        }
    }

    @Test
    void twoTasksOnTwoIdleWorkersRunInBoth() {
        try (ProcessPool pool = ProcessPool.builder().processes(2).runtime(ProcessPoolTest.RUNTIME).build()) {
            pool.map(SlowPid.class, List.of(300, 300), 1); // both workers up and idle
            for (int round = 0; round < 3; round++) {
                List<Long> pids = pool.map(SlowPid.class, List.of(200, 200), 1);
                assertEquals(2, pids.stream().distinct().count(), "round " + round + ": " + pids);
            }
        }
    }
}
