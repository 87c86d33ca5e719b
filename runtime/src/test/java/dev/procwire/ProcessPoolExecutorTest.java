package dev.procwire;

import static dev.procwire.PoolTestTasks.alive;
import static dev.procwire.PoolTestTasks.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procwire.PoolTestTasks.Fail;
import dev.procwire.PoolTestTasks.Fields;
import dev.procwire.PoolTestTasks.Multiply;
import dev.procwire.PoolTestTasks.SleepThenReturn;
import dev.procwire.PoolTestTasks.Touch;
import dev.procwire.PoolTestTasks.TouchThenSleep;
import dev.procwire.PoolTestTasks.TouchThenSpin;
import dev.procwire.PoolTestTasks.WhereAmI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class ProcessPoolExecutorTest {
    @TempDir
    Path dir;

    /** Waits (at most 30 s) for a file a worker creates. */
    static void awaitFile(Path file) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(file)) {
            assertTrue(System.nanoTime() < deadline, "no " + file + " within 30 s");
            Thread.sleep(10);
        }
    }

    // ---- submit, execute

    @Test
    void submitsTaskClassesFunctionsCallablesAndRunnables() throws Exception {
        try (ProcessPoolExecutor ex = ProcessPoolExecutor.create(options(2)
                .initializer(PoolFixtures.RegisterDouble.class, 3))) {
            assertEquals(2, ex.processes());
            TaskFuture<Integer> square = ex.submit(PoolFixtures.Square.class, 7);
            assertEquals(49, square.get());
            assertEquals(21, ex.submit("double", 7).get());
            assertEquals(42, ex.submit(new Multiply(6, 7)).get());
            assertEquals("done", ex.submit(new Touch(dir.resolve("a")), "done").get());
            assertNull(ex.submit(new Touch(dir.resolve("b"))).get());
            long here = ProcessHandle.current().pid();
            assertNotEquals(here, Long.parseLong(Files.readString(dir.resolve("a"))), "ran in a worker process");
            assertNotEquals(here, (long) ex.submit(new WhereAmI()).get());
            // results are CompletableFutures, and chain
            assertEquals(50, square.thenApply(x -> x + 1).get());
        }
    }

    @Test
    void aCallableRunsOnACopyRebuiltFromItsFields() throws Exception {
        Fields task = new Fields();
        task.count = 41;
        task.label = "copied";
        task.items = List.of(1, "two", Map.of("three", 3L));
        task.state = Fields.State.USED;
        task.note = "left behind";
        try (ProcessPoolExecutor ex = ProcessPoolExecutor.create(options(1))) {
            List<Object> seen = ex.submit(task).get();
            assertEquals(List.of(42, "copied", List.of(1, "two", Map.of("three", 3L)), "USED", "no note"), seen);
            assertEquals(41, task.count, "the worker changed its copy, not the object given");
            assertEquals(42, ex.submit(task).get().get(0), "each submission carries the fields as they are then");
        }
    }

    @Test
    void whatAWorkerCannotRebuildIsRefusedWithWhyAndWhatToDo() throws Exception {
        try (ProcessPoolExecutor ex = ProcessPoolExecutor.create(options(1))) {
            Callable<Integer> lambda = () -> 1;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ex.submit(lambda));
            assertTrue(e.getMessage().contains("lambda"), e.getMessage());
            assertTrue(e.getMessage().contains("top-level or static nested class"), e.getMessage());
            assertTrue(e.getMessage().contains("submit(MyTask.class, argument)"), e.getMessage());

            Callable<Integer> anonymous = new Callable<>() {
                @Override
                public Integer call() {
                    return 1;
                }
            };
            e = assertThrows(IllegalArgumentException.class, () -> ex.submit(anonymous));
            assertTrue(e.getMessage().contains("anonymous"), e.getMessage());

            e = assertThrows(IllegalArgumentException.class, () -> ex.submit(new Inner()));
            assertTrue(e.getMessage().contains("inner (non-static) class"), e.getMessage());

            e = assertThrows(IllegalArgumentException.class,
                    () -> ex.submit(new PoolTestTasks.NoDefaultConstructor(3)));
            assertTrue(e.getMessage().contains("no no-argument constructor"), e.getMessage());

            e = assertThrows(IllegalArgumentException.class, () -> ex.submit(new PoolTestTasks.HoldsAThread()));
            assertTrue(e.getMessage().contains("HoldsAThread.owner"), e.getMessage());
            assertTrue(e.getMessage().contains("transient"), e.getMessage());

            Runnable runnable = () -> { };
            assertThrows(IllegalArgumentException.class, () -> ex.execute(runnable));
            assertThrows(IllegalArgumentException.class, () -> ex.submit(runnable, "x"));
            assertThrows(IllegalArgumentException.class,
                    () -> ex.invokeAll(List.of(new Multiply(1, 2), lambda)));
            assertThrows(IllegalArgumentException.class, () -> ex.invokeAny(List.of(lambda)));
            assertThrows(NullPointerException.class, () -> ex.submit((Callable<?>) null));
            assertThrows(NullPointerException.class, () -> ex.execute(null));

            // none of this harmed the executor
            assertEquals(6, ex.submit(new Multiply(2, 3)).get());
        }
    }

    /** An inner class: needs its enclosing instance, so no worker can build it. */
    class Inner implements Callable<Integer> {
        @Override
        public Integer call() {
            return 1;
        }
    }

    @Test
    void aTasksExceptionArrivesAsTheCauseWithItsRemoteTypeAndStack() throws Exception {
        try (ProcessPoolExecutor ex = ProcessPoolExecutor.create(options(1))) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> ex.submit(new Fail("no luck")).get());
            RemoteException remote = assertInstanceOf(RemoteException.class, e.getCause());
            assertEquals("java.lang.IllegalStateException", remote.remoteType());
            assertEquals("no luck", remote.remoteMessage());
            assertTrue(remote.remoteStackTrace().contains("PoolTestTasks$Fail.call"), remote.remoteStackTrace());
        }
    }

    @Test
    void executeRunsInAWorkerAndAFailureGoesToTheUncaughtExceptionHandler() throws Exception {
        CompletableFuture<Throwable> uncaught = new CompletableFuture<>();
        Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
            if (e instanceof RemoteException) {
                uncaught.complete(e);
            } else if (before != null) {
                before.uncaughtException(t, e);
            }
        });
        try (ProcessPoolExecutor ex = ProcessPoolExecutor.create(options(1))) {
            ex.execute(new Touch(dir.resolve("executed")));
            awaitFile(dir.resolve("executed"));
            ex.execute(new Touch(Path.of("/proc/no-such-dir/forbidden")));
            Throwable e = uncaught.get(30, TimeUnit.SECONDS);
            RemoteException remote = assertInstanceOf(RemoteException.class, e);
            assertTrue(remote.remoteType().endsWith("IOException"), remote.remoteType());
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(before);
        }
    }

    // ---- invokeAll, invokeAny

    @Test
    void invokeAllWaitsForEveryTaskAndKeepsTheOrder() throws Exception {
        try (ProcessPoolExecutor ex = ProcessPoolExecutor.create(options(2))) {
            List<Callable<Integer>> tasks = new ArrayList<>();
            IntStream.range(0, 10).forEach(i -> tasks.add(new Multiply(i, i)));
            List<Future<Integer>> futures = ex.invokeAll(tasks);
            assertEquals(10, futures.size());
            for (int i = 0; i < 10; i++) {
                assertTrue(futures.get(i).isDone());
                assertEquals(i * i, futures.get(i).get());
            }
            List<Future<String>> mixed = ex.invokeAll(List.of(new SleepThenReturn(300, "slow"), new Fail("bad")));
            assertTrue(mixed.stream().allMatch(Future::isDone));
            assertEquals("slow", mixed.get(0).get());
            assertInstanceOf(RemoteException.class, assertThrows(ExecutionException.class, mixed.get(1)::get).getCause());
        }
    }

    @Test
    void invokeAllWithATimeoutCancelsTheTasksNotDone() throws Exception {
        try (ProcessPoolExecutor ex = ProcessPoolExecutor.create(options(2))) {
            ex.submit(new Multiply(1, 1)).get(); // both workers are up: the timeout measures the tasks
            long t0 = System.nanoTime();
            List<Future<String>> futures = ex.invokeAll(
                    List.of(new SleepThenReturn(10, "quick"), new SleepThenReturn(60_000, "never")), 2, TimeUnit.SECONDS);
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(took < 10_000, "returned after " + took + " ms");
            assertEquals("quick", futures.get(0).get());
            assertTrue(futures.get(1).isCancelled());
            // the cancelled task was interrupted in its worker: both workers take tasks at once
            assertEquals(List.of(4, 9), List.of(ex.submit(new Multiply(2, 2)).get(10, TimeUnit.SECONDS),
                    ex.submit(new Multiply(3, 3)).get(10, TimeUnit.SECONDS)));
        }
    }

    @Test
    void invokeAnyReturnsTheFirstSuccessAndCancelsTheRest() throws Exception {
        // No prefetch: with it, "fast" may wait in the worker running "slow" (as in Python's pools).
        ProcessPoolExecutor ex = ProcessPoolExecutor.create(options(2).prefetch(1));
        try {
            String first = ex.invokeAny(List.of(new SleepThenReturn(60_000, "slow"), new Fail("bad"),
                    new SleepThenReturn(200, "fast")));
            assertEquals("fast", first);
            // the 60 s task was cancelled: the executor ends at once
            ex.shutdown();
            assertTrue(ex.awaitTermination(15, TimeUnit.SECONDS), "the slow task was not cancelled");
            assertTrue(ex.isTerminated());
        } finally {
            ex.shutdownNow();
        }
    }

    @Test
    void invokeAnyFailsWithTheLastFailureWhenAllFail() throws Exception {
        try (ProcessPoolExecutor ex = ProcessPoolExecutor.create(options(2))) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> ex.invokeAny(List.of(new Fail("one"), new Fail("two"))));
            RemoteException remote = assertInstanceOf(RemoteException.class, e.getCause());
            assertTrue(List.of("one", "two").contains(remote.remoteMessage()), remote.remoteMessage());
            assertThrows(IllegalArgumentException.class, () -> ex.invokeAny(List.<Callable<String>>of()));
        }
    }

    @Test
    void invokeAnyWithATimeoutThrowsAndCancelsEveryTask() throws Exception {
        ProcessPoolExecutor ex = ProcessPoolExecutor.create(options(2));
        try {
            long t0 = System.nanoTime();
            assertThrows(TimeoutException.class, () -> ex.invokeAny(
                    List.of(new SleepThenReturn(60_000, "a"), new SleepThenReturn(60_000, "b")), 1, TimeUnit.SECONDS));
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(20));
            assertEquals("fast", ex.invokeAny(List.of(new SleepThenReturn(10, "fast")), 20, TimeUnit.SECONDS));
            ex.shutdown();
            assertTrue(ex.awaitTermination(15, TimeUnit.SECONDS), "the timed-out tasks were not cancelled");
        } finally {
            ex.shutdownNow();
        }
    }

    // ---- cancel

    @Test
    void cancellingAQueuedTaskDropsIt() throws Exception {
        try (ProcessPoolExecutor ex = ProcessPoolExecutor.create(options(1).prefetch(1))) {
            TaskFuture<Integer> running = ex.submit(new TouchThenSleep(dir.resolve("started"), 1_000));
            TaskFuture<?> queued = ex.submit(new Touch(dir.resolve("never")));
            assertTrue(queued.cancel(false));
            assertTrue(queued.isCancelled());
            assertThrows(CancellationException.class, queued::get);
            assertEquals(1_000, running.get());
            assertEquals(6, ex.submit(new Multiply(2, 3)).get()); // ran after the cancelled one would have
            assertFalse(Files.exists(dir.resolve("never")), "a cancelled queued task ran");
        }
    }

    @Test
    void cancellingARunningTaskInterruptsItInItsWorker() throws Exception {
        try (ProcessPoolExecutor ex = ProcessPoolExecutor.create(options(1))) {
            long pid = ex.submit(new WhereAmI()).get();
            TaskFuture<Integer> f = ex.submit(new TouchThenSleep(dir.resolve("started"), 60_000));
            awaitFile(dir.resolve("started"));
            assertTrue(f.cancel(true));
            assertThrows(CancellationException.class, f::get);
            // the task stopped on the interrupt: the same worker goes on
            assertEquals(pid, ex.submit(new WhereAmI()).get(20, TimeUnit.SECONDS));
        }
    }

    @Test
    void aRunningTaskThatIgnoresTheInterruptHasItsWorkerKilledAndReplaced() throws Exception {
        try (ProcessPoolExecutor ex = ProcessPoolExecutor.create(options(1).cancelGrace(Duration.ofMillis(500)))) {
            long pid = ex.submit(new WhereAmI()).get();
            TaskFuture<Integer> f = ex.submit(new TouchThenSpin(dir.resolve("started"), 120_000));
            awaitFile(dir.resolve("started"));
            long t0 = System.nanoTime();
            assertTrue(f.cancel(true));
            assertThrows(CancellationException.class, f::get);
            long replacement = ex.submit(new WhereAmI()).get(30, TimeUnit.SECONDS);
            assertNotEquals(pid, replacement, "the spinning worker should have been replaced");
            assertFalse(alive(pid), "the spinning worker should have been killed");
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(30));
            assertEquals(12, ex.submit(new Multiply(3, 4)).get(), "the pool goes on");
        }
    }

    // ---- lifecycle

    @Test
    void shutdownLetsSubmittedTasksFinishAndRefusesNewOnes() throws Exception {
        ProcessPoolExecutor ex = ProcessPoolExecutor.create(options(1));
        List<TaskFuture<String>> futures = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            futures.add(ex.submit(new SleepThenReturn(200, "r" + i)));
        }
        assertFalse(ex.isShutdown());
        ex.shutdown();
        assertTrue(ex.isShutdown());
        RejectedExecutionException e = assertThrows(RejectedExecutionException.class, () -> ex.submit(new Multiply(1, 1)));
        assertTrue(e.getMessage().contains("shut down"), e.getMessage());
        assertThrows(RejectedExecutionException.class, () -> ex.submit(PoolFixtures.Square.class, 2));
        assertTrue(ex.awaitTermination(30, TimeUnit.SECONDS));
        assertTrue(ex.isTerminated());
        for (int i = 0; i < 3; i++) {
            assertEquals("r" + i, futures.get(i).get());
        }
        ex.shutdown(); // idempotent
    }

    @Test
    void shutdownNowReturnsTheQueuedTasksAndCancelsTheRunningOne() throws Exception {
        ProcessPoolExecutor ex = ProcessPoolExecutor.create(options(1).prefetch(1));
        TaskFuture<Integer> running = ex.submit(new TouchThenSleep(dir.resolve("started"), 60_000));
        awaitFile(dir.resolve("started"));
        List<Object> given = new ArrayList<>();
        List<TaskFuture<?>> queued = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Touch t = new Touch(dir.resolve("queued-" + i));
            given.add(t);
            queued.add(ex.submit(t));
        }
        Multiply m = new Multiply(2, 2);
        given.add(m);
        queued.add(ex.submit(m));
        given.add(PoolFixtures.Square.class);
        queued.add(ex.submit(PoolFixtures.Square.class, 5));

        List<Runnable> back = ex.shutdownNow();
        assertTrue(ex.isShutdown());
        assertEquals(given, back.stream().map(r -> ((ProcessPoolExecutor.NotStarted) r).task()).toList());
        assertEquals(5, ((ProcessPoolExecutor.NotStarted) back.get(5)).argument());
        for (TaskFuture<?> f : queued) {
            assertThrows(CancellationException.class, () -> f.get(10, TimeUnit.SECONDS));
        }
        assertThrows(CancellationException.class, () -> running.get(10, TimeUnit.SECONDS));
        assertTrue(ex.awaitTermination(30, TimeUnit.SECONDS), "shutdownNow should end the workers");
        assertTrue(ex.isTerminated());
        for (int i = 0; i < 4; i++) {
            assertFalse(Files.exists(dir.resolve("queued-" + i)), "a task taken back ran in a worker");
        }
        // what was taken back can still be run, here
        back.get(0).run();
        assertEquals(ProcessHandle.current().pid(), Long.parseLong(Files.readString(dir.resolve("queued-0"))));
        assertThrows(RejectedExecutionException.class, () -> ex.execute(new Touch(dir.resolve("late"))));
    }

    @Test
    void closeIsShutdownThenAwaitTermination() throws Exception {
        List<TaskFuture<String>> futures = new ArrayList<>();
        ProcessPoolExecutor ex;
        try (ProcessPoolExecutor e = ProcessPoolExecutor.create(options(2))) {
            ex = e;
            for (int i = 0; i < 6; i++) {
                futures.add(e.submit(new SleepThenReturn(100, "v" + i)));
            }
        }
        assertTrue(ex.isTerminated());
        for (int i = 0; i < 6; i++) {
            assertEquals("v" + i, futures.get(i).get(10, TimeUnit.SECONDS));
        }
    }
}
