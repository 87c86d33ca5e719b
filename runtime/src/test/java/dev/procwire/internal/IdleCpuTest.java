package dev.procwire.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class IdleCpuTest {
    @Test
    void workWaitsWhileEveryCpuIsBusyButNoLongerThanItsLimit() throws Exception {
        AtomicBoolean spin = new AtomicBoolean(true);
        List<Thread> spinners = new ArrayList<>();
        for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
            Thread t = new Thread(() -> {
                long x = 0;
                while (spin.get()) {
                    x++;
                }
            });
            t.setDaemon(true);
            t.start();
            spinners.add(t);
        }
        ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
        try {
            Thread.sleep(50); // the spinners are on the run queue
            CountDownLatch ran = new CountDownLatch(1);
            long t0 = System.nanoTime();
            IdleCpu.run(timers, ran::countDown, 20);
            assertTrue(ran.await(10, TimeUnit.SECONDS), "the work never ran");
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(waited >= IdleCpu.MAX_WAIT_MILLIS / 2, "ran after " + waited + " ms though no CPU was idle");
        } finally {
            spin.set(false);
            timers.shutdownNow();
        }
    }
}
