package dev.procwire;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procwire.codec.Codecs;
import dev.procwire.internal.StartedWorker;
import dev.procwire.internal.WorkerConnection;
import dev.procwire.proto.v1.ActorAsk;
import dev.procwire.proto.v1.ActorCreate;
import dev.procwire.proto.v1.ActorStop;
import dev.procwire.proto.v1.ActorTell;
import dev.procwire.proto.v1.ErrorCode;
import dev.procwire.proto.v1.Frame;
import dev.procwire.proto.v1.Payload;
import dev.procwire.proto.v1.Shutdown;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Actors in real worker processes: messages, order, failures, restart policies, stop and death. */
@Timeout(120)
class ActorTest {
    static final List<OutputLine> LINES = new CopyOnWriteArrayList<>();
    static final ProcwireRuntime RUNTIME = ProcwireRuntime.builder().outputListener(line -> {
        LINES.add(line);
        System.err.println(line);
    }).build();

    @AfterAll
    static void closeRuntime() {
        RUNTIME.close();
    }

    static ProcessPool pool(int n) {
        return ProcessPool.builder().processes(n).runtime(RUNTIME).build();
    }

    static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    static Throwable failure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
        return e.getCause();
    }

    // ---- actors

    /** Counts: "inc" adds one, an Integer adds itself, "get" answers the count, "boom" throws. */
    public static class Counter implements Actor<Object, Object> {
        static final AtomicInteger INSTANCES = new AtomicInteger(); // per worker JVM
        int count;

        Counter() {
            INSTANCES.incrementAndGet();
        }

        @Override
        public void init(Object argument) {
            count = argument == null ? 0 : (Integer) argument;
        }

        @Override
        public Object receive(Object message) {
            if (message instanceof Integer n) {
                count += n;
                return count;
            }
            return switch ((String) message) {
                case "inc" -> ++count;
                case "get" -> count;
                case "instances" -> INSTANCES.get();
                case "pid" -> ProcessHandle.current().pid();
                case "boom" -> throw new IllegalStateException("boom at " + count);
                default -> throw new IllegalArgumentException("unknown message " + message);
            };
        }

        @Override
        public void stopped() {
            System.out.println("stopped " + getClass().getSimpleName() + " at " + count);
        }
    }

    public static final class RestartingCounter extends Counter {
        @Override
        public RestartPolicy restartPolicy() {
            return RestartPolicy.RESTART;
        }
    }

    public static final class StoppingCounter extends Counter {
        @Override
        public RestartPolicy restartPolicy() {
            return RestartPolicy.STOP;
        }
    }

    /** Checks that numbers arrive as 0, 1, 2, ...; a negative ask answers [count, first out of order or -1]. */
    public static final class Sequence implements Actor<Integer, List<Integer>> {
        int expected;
        int outOfOrder = -1;

        @Override
        public List<Integer> receive(Integer n) {
            if (n < 0) {
                return List.of(expected, outOfOrder);
            }
            if (n != expected && outOfOrder < 0) {
                outOfOrder = n;
            }
            expected++;
            return null;
        }
    }

    /** Reports how many threads were inside receive at entry (1 if one at a time) and the most seen. */
    public static final class OneAtATime implements Actor<String, Integer> {
        final AtomicInteger inside = new AtomicInteger();
        int most;

        @Override
        public Integer receive(String message) throws InterruptedException {
            int now = inside.incrementAndGet();
            try {
                most = Math.max(most, now);
                Thread.sleep(1);
                return message.equals("most") ? most : now;
            } finally {
                inside.decrementAndGet();
            }
        }
    }

    /** Sleeps the given milliseconds, answers them. */
    public static final class Sleeper implements Actor<Integer, Integer> {
        @Override
        public Integer receive(Integer millis) throws InterruptedException {
            Thread.sleep(millis);
            return millis;
        }
    }

    /** Handles each tell slowly and says so. */
    public static final class SlowPrinter implements Actor<Integer, Void> {
        @Override
        public Void receive(Integer n) throws InterruptedException {
            Thread.sleep(20);
            System.out.println("slow printer handled " + n);
            return null;
        }
    }

    public static final class BadConstructor implements Actor<Object, Object> {
        BadConstructor() {
            throw new UnsupportedOperationException("cannot build me");
        }

        @Override
        public Object receive(Object message) {
            return message;
        }
    }

    /** An initializer: registers "counter" (a Counter) in the worker. */
    public static final class RegisterCounter implements Task<Integer, Void> {
        @Override
        public Void call(Integer ignored) {
            Actors.register("counter", Counter::new);
            return null;
        }
    }

    // ---- tests

    @Test
    @Timeout(60)
    void createAndAsk() throws Exception {
        try (ProcessPool p = pool(1)) {
            ActorRef<Object, Object> counter = p.actorOf(Counter.class, 40);
            assertEquals(41, get(counter.ask("inc")));
            assertEquals(43, get(counter.ask(2)));
            assertTrue(counter.id().startsWith("Counter-"), counter.id());
            assertEquals("java:" + Counter.class.getName(), counter.kind());
            assertEquals(counter.worker().pid(), get(counter.ask("pid")));
            assertTrue(counter.worker().name().startsWith("SpawnPoolWorker-"), counter.worker().name());
            assertTrue(counter.isAlive());
        }
    }

    @Test
    @Timeout(60)
    void repliesCompleteOnCallbackThreadsNotIoThreads() throws Exception {
        try (ProcessPool p = pool(1)) {
            ActorRef<Integer, Integer> sleeper = p.actorOf(Sleeper.class);
            CompletableFuture<String> thread = sleeper.ask(300).thenApply(v -> Thread.currentThread().getName());
            assertTrue(get(thread).startsWith("procwire-callback-"), get(thread));
        }
    }

    @Test
    @Timeout(60)
    void tenThousandTellsThenAnAskArriveStrictlyInOrder() throws Exception {
        try (ProcessPool p = pool(1)) {
            ActorRef<Integer, List<Integer>> seq = p.actorOf(Sequence.class);
            for (int i = 0; i < 10_000; i++) {
                seq.tell(i);
            }
            assertEquals(List.of(10_000, -1), get(seq.ask(-1)));
        }
    }

    @Test
    @Timeout(60)
    void aThrowingAskFailsWithTheRemoteErrorAndTheActorKeepsItsState() throws Exception {
        try (ProcessPool p = pool(1)) {
            ActorRef<Object, Object> counter = p.actorOf(Counter.class, 0);
            counter.tell("inc");
            counter.tell("inc");
            Throwable t = failure(counter.ask("boom"));
            RemoteException e = assertInstanceOf(RemoteException.class, t);
            assertEquals(ErrorCode.TASK_FAILED, e.code());
            assertEquals("java.lang.IllegalStateException", e.remoteType());
            assertEquals("boom at 2", e.remoteMessage());
            assertTrue(e.remoteStackTrace().contains("Counter.receive"), e.remoteStackTrace());
            assertEquals(2, get(counter.ask("get")), "RESUME: the state survives the failure");
            counter.tell("boom"); // a failing tell is logged in the worker, the actor goes on
            assertEquals(3, get(counter.ask("inc")));
            await().atMost(Duration.ofSeconds(10)).until(() -> LINES.stream().anyMatch(l ->
                    l.text().contains("actor " + counter.id() + " failed on a message")
                            && l.text().contains("boom at 2")));
            assertEquals(1, get(counter.ask("instances")), "RESUME builds no new instance");
        }
    }

    @Test
    @Timeout(60)
    void restartPolicyRebuildsAFreshInstance() throws Exception {
        try (ProcessPool p = pool(1)) {
            ActorRef<Object, Object> counter = p.actorOf(RestartingCounter.class, 5);
            counter.tell("inc");
            counter.tell("inc");
            assertEquals(7, get(counter.ask("get")));
            int before = (Integer) get(counter.ask("instances"));
            assertInstanceOf(RemoteException.class, failure(counter.ask("boom")));
            assertEquals(5, get(counter.ask("get")), "a fresh instance, initialised with the creation argument");
            assertEquals(before + 1, get(counter.ask("instances")));
            await().atMost(Duration.ofSeconds(10)).until(() -> LINES.stream().anyMatch(l ->
                    l.text().equals("stopped RestartingCounter at 7")));
            assertTrue(counter.isAlive());
        }
    }

    @Test
    @Timeout(60)
    void stopPolicyRemovesTheActorAndLaterAsksFindNoActor() throws Exception {
        try (ProcessPool p = pool(1)) {
            ActorRef<Object, Object> counter = p.actorOf(StoppingCounter.class, 1);
            CompletableFuture<Object> boom = counter.ask("boom");
            CompletableFuture<Object> after = counter.ask("get"); // queued behind the failure
            assertEquals(ErrorCode.TASK_FAILED, assertInstanceOf(RemoteException.class, failure(boom)).code());
            assertEquals(ErrorCode.NOT_FOUND, assertInstanceOf(RemoteException.class, failure(after)).code());
            assertFalse(counter.isAlive());
            assertInstanceOf(ActorTerminatedException.class, failure(counter.ask("get")));
            assertInstanceOf(ActorTerminatedException.class, failure(counter.ask("get")));
            get(counter.stop()); // idempotent on an actor already gone
        }
    }

    @Test
    @Timeout(60)
    void stopRunsAfterEarlierMessagesCallsTheHookAndLaterMessagesFail() throws Exception {
        try (ProcessPool p = pool(1)) {
            ActorRef<Object, Object> counter = p.actorOf(Counter.class, 0);
            CompletableFuture<Object> pending = counter.ask(10);
            counter.tell("inc");
            CompletableFuture<Void> stopped = counter.stop();
            assertEquals(10, get(pending));
            get(stopped);
            await().atMost(Duration.ofSeconds(10)).until(() -> LINES.stream().anyMatch(l ->
                    l.text().equals("stopped Counter at 11")));
            assertFalse(counter.isAlive());
            ActorTerminatedException e = assertInstanceOf(ActorTerminatedException.class, failure(counter.ask("get")));
            assertTrue(e.getMessage().contains("actor " + counter.id() + " was stopped"), e.getMessage());
            assertThrows(ActorTerminatedException.class, () -> counter.tell("inc"));
            get(counter.stop()); // idempotent
        }
    }

    @Test
    @Timeout(60)
    void registeredNamesCreateActorsAndUnknownNamesAreNotFound() throws Exception {
        try (ProcessPool p = ProcessPool.builder().processes(1).runtime(RUNTIME)
                .initializer(RegisterCounter.class, 0).build()) {
            ActorRef<String, Integer> counter = p.actorOf("counter", 7);
            assertEquals(8, get(counter.ask("inc")));
            assertTrue(counter.id().startsWith("counter-"), counter.id());
            RemoteException e = assertThrows(RemoteException.class, () -> p.actorOf("no-such-actor", null));
            assertEquals(ErrorCode.NOT_FOUND, e.code());
            assertTrue(e.remoteMessage().contains("no-such-actor"), e.remoteMessage());
            assertEquals(9, get(counter.ask("inc")), "the worker is unharmed");
        }
    }

    @Test
    @Timeout(60)
    void aConstructorThatThrowsFailsTheCreation() {
        try (ProcessPool p = pool(1)) {
            RemoteException e = assertThrows(RemoteException.class, () -> p.actorOf(BadConstructor.class));
            assertEquals(ErrorCode.TASK_FAILED, e.code());
            assertEquals("java.lang.UnsupportedOperationException", e.remoteType());
            assertEquals("cannot build me", e.remoteMessage());
            assertThrows(IllegalArgumentException.class, () -> p.actorOf(Counter.class, new Object()));
        }
    }

    @Test
    @Timeout(60)
    void aKilledWorkerFailsPendingAsksWithItsPidAndLaterMessagesFailFast() throws Exception {
        try (ProcessPool p = pool(1)) {
            ActorRef<Integer, Integer> sleeper = p.actorOf(Sleeper.class);
            long pid = sleeper.worker().pid();
            assertEquals(1, get(sleeper.ask(1)));
            CompletableFuture<Integer> pending = sleeper.ask(30_000);
            CompletableFuture<Integer> queued = sleeper.ask(1);
            Thread.sleep(200);
            ProcessHandle.of(pid).orElseThrow().destroyForcibly();
            for (CompletableFuture<Integer> f : List.of(pending, queued)) {
                WorkerDiedException died = assertInstanceOf(WorkerDiedException.class, failure(f));
                assertEquals(pid, died.pid());
                assertEquals(-9, died.exitCode());
                assertTrue(died.getMessage().contains("(pid " + pid + ")"), died.getMessage());
            }
            ActorTerminatedException later = assertInstanceOf(ActorTerminatedException.class, failure(sleeper.ask(1)));
            assertTrue(later.getMessage().contains("actor " + sleeper.id() + " died with worker "
                    + sleeper.worker().name() + " (pid " + pid + ")"), later.getMessage());
            assertInstanceOf(WorkerDiedException.class, later.getCause());
            assertThrows(ActorTerminatedException.class, () -> sleeper.tell(1));
            assertFalse(sleeper.isAlive());
            // The pool replaced the worker: a new actor lives in a new process.
            ActorRef<Integer, Integer> next = p.actorOf(Sleeper.class);
            assertNotEquals(pid, next.worker().pid());
            assertEquals(2, get(next.ask(2)));
        }
    }

    @Test
    @Timeout(60)
    void fourThreadsAskingOneActorAreAllAnsweredOneAtATime() throws Exception {
        try (ProcessPool p = pool(1)) {
            ActorRef<String, Integer> actor = p.actorOf(OneAtATime.class);
            ExecutorService threads = Executors.newFixedThreadPool(4);
            try {
                List<Future<List<Integer>>> results = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    results.add(threads.submit(() -> {
                        List<CompletableFuture<Integer>> asks = new ArrayList<>();
                        for (int i = 0; i < 100; i++) {
                            asks.add(actor.ask("enter"));
                        }
                        List<Integer> seen = new ArrayList<>();
                        for (CompletableFuture<Integer> f : asks) {
                            seen.add(get(f));
                        }
                        return seen;
                    }));
                }
                int answered = 0;
                for (Future<List<Integer>> r : results) {
                    List<Integer> seen = r.get(60, TimeUnit.SECONDS);
                    answered += seen.size();
                    assertTrue(seen.stream().allMatch(n -> n == 1), "overlap inside the actor: " + seen);
                }
                assertEquals(400, answered);
                assertEquals(1, get(actor.ask("most")));
            } finally {
                threads.shutdownNow();
            }
        }
    }

    @Test
    @Timeout(60)
    void actorsSpreadOverTheLeastLoadedWorkers() throws Exception {
        try (ProcessPool p = pool(2)) {
            ActorRef<Object, Object> a = p.actorOf(Counter.class);
            ActorRef<Object, Object> b = p.actorOf(Counter.class);
            // The second may be created before the second worker is ready; once both are up,
            // a third goes to the one hosting fewer.
            await().atMost(Duration.ofSeconds(40)).until(() -> {
                ActorRef<Object, Object> probe = p.actorOf(Counter.class);
                get(probe.stop());
                return a.worker().pid() != b.worker().pid() || probe.worker().pid() != a.worker().pid();
            });
            assertEquals(1, get(a.ask("inc")));
            assertEquals(1, get(b.ask("inc")));
        }
    }

    @Test
    @Timeout(60)
    void closingThePoolLetsQueuedActorMessagesRunThenTheActorEndsWithItsWorker() throws Exception {
        ProcessPool p = pool(1);
        ActorRef<Integer, Void> printer = p.actorOf(SlowPrinter.class);
        String worker = printer.worker().name();
        for (int i = 0; i < 20; i++) {
            printer.tell(i);
        }
        p.close(); // the idle worker gets a graceful Shutdown behind the tells
        assertTrue(p.join(Duration.ofSeconds(30)));
        await().atMost(Duration.ofSeconds(10)).until(() -> LINES.stream().anyMatch(l ->
                l.workerName().equals(worker) && l.text().equals("slow printer handled 19")));
        await().atMost(Duration.ofSeconds(10)).until(() -> !printer.isAlive());
        ActorTerminatedException e = assertThrows(ActorTerminatedException.class, () -> printer.tell(1));
        assertTrue(e.getMessage().contains("died with worker " + worker), e.getMessage());
        assertThrows(IllegalStateException.class, () -> p.actorOf(SlowPrinter.class));
    }

    // ---- the worker's side, frame by frame (PROTOCOL.md §8 and §10.3)

    static Frame create(long id, String actorId, String kind, Object argument) {
        return Frame.newBuilder().setActorCreate(ActorCreate.newBuilder().setRequestId(id).setActorId(actorId)
                .setKind(kind).setArgument(Codecs.encode(argument))).build();
    }

    static Frame ask(long id, String actorId, Payload message) {
        return Frame.newBuilder().setActorAsk(ActorAsk.newBuilder().setRequestId(id).setActorId(actorId)
                .setMessage(message)).build();
    }

    static Frame stop(long id, String actorId) {
        return Frame.newBuilder().setActorStop(ActorStop.newBuilder().setRequestId(id).setActorId(actorId)).build();
    }

    static Object value(Frame answer) {
        assertTrue(answer.hasResult(), answer.toString());
        return Codecs.decode(answer.getResult().getValue());
    }

    static ErrorCode code(Frame answer) {
        assertTrue(answer.hasFailure(), answer.toString());
        return answer.getFailure().getError().getCode();
    }

    @Test
    @Timeout(60)
    void theWorkerAnswersActorFramesAsTheProtocolSays() throws Exception {
        StartedWorker w = RUNTIME.launch("raw-actors", 0, Runnable::run, new dev.procwire.internal.WorkerSetup(List.of(), Map.of(), null, null, List.of()))
                .get(30, TimeUnit.SECONDS);
        try {
            WorkerConnection c = w.connection();
            assertTrue(c.agreed("actors"));
            String counter = "java:" + Counter.class.getName();
            // Messages sent right behind a create wait for it.
            CompletableFuture<Frame> created = c.request(id -> create(id, "a1", counter, 1));
            CompletableFuture<Frame> first = c.request(id -> ask(id, "a1", Codecs.encode("inc")));
            assertEquals("", get(created).getResult().getValue().getContentType());
            assertEquals(2, value(get(first)));
            assertEquals(ErrorCode.PROTOCOL_VIOLATION, code(get(c.request(id -> create(id, "a1", counter, 50)))));
            assertEquals(2, value(get(c.request(id -> ask(id, "a1", Codecs.encode("get"))))), "a1 is unaffected");
            assertEquals(ErrorCode.NOT_FOUND, code(get(c.request(id -> ask(id, "nobody", Codecs.encode("get"))))));
            assertEquals(ErrorCode.NOT_FOUND, code(get(c.request(id -> stop(id, "nobody")))));
            assertEquals(ErrorCode.NOT_FOUND, code(get(c.request(id -> create(id, "a2", "java:java.lang.String", null)))));
            assertEquals(ErrorCode.NOT_FOUND, code(get(c.request(id -> create(id, "a2", "java:no.such.Actor", null)))));
            assertEquals(ErrorCode.NOT_FOUND, code(get(c.request(id -> create(id, "a2", "unregistered", null)))));
            Payload strange = Payload.newBuilder().setContentType("application/x-strange").build();
            assertEquals(ErrorCode.BAD_PAYLOAD, code(get(c.request(id -> ask(id, "a1", strange)))));
            c.transport().send(Frame.newBuilder().setActorTell(ActorTell.newBuilder().setActorId("nobody")
                    .setMessage(Codecs.encode("inc"))).build());
            await().atMost(Duration.ofSeconds(10)).until(() -> LINES.stream().anyMatch(l ->
                    l.workerName().equals("raw-actors") && l.text().contains("no actor nobody")));
            // Stop: later messages find no actor, and the id may be used again.
            assertTrue(get(c.request(id -> stop(id, "a1"))).hasResult());
            assertEquals(ErrorCode.NOT_FOUND, code(get(c.request(id -> ask(id, "a1", Codecs.encode("get"))))));
            assertTrue(get(c.request(id -> create(id, "a1", counter, 10))).hasResult());
            assertEquals(10, value(get(c.request(id -> ask(id, "a1", Codecs.encode("get"))))));
            // A graceful Shutdown lets the message before it finish and refuses what comes after.
            assertTrue(get(c.request(id -> create(id, "sleeper", "java:" + Sleeper.class.getName(), null))).hasResult());
            CompletableFuture<Frame> before = c.request(id -> ask(id, "sleeper", Codecs.encode(500)));
            c.transport().send(Frame.newBuilder().setShutdown(Shutdown.newBuilder().setGraceful(true)
                    .setGraceMillis(10_000)).build());
            Frame after = get(c.request(id -> ask(id, "a1", Codecs.encode("get"))));
            assertEquals(ErrorCode.SHUTTING_DOWN, code(after));
            assertTrue(after.getFailure().getError().getRetryable());
            assertEquals(500, value(get(before)));
            assertTrue(w.process().waitFor(10, TimeUnit.SECONDS));
            assertEquals(0, w.process().exitValue());
        } finally {
            w.process().destroyForcibly();
        }
    }
}
