package dev.procwire.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procwire.OutputListener;
import dev.procwire.WorkerTransport;
import dev.procwire.proto.v1.ErrorCode;
import dev.procwire.transport.FrameLimits;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Workers that fail to connect over a FIFO pair or the runtime's socket, or connect wrongly:
 * each start ends in a clear error within a bounded time.
 */
@Timeout(60)
class WorkerLinkFailureTest {
    private SpawnStarter starter;
    private StartedWorker worker;

    @AfterEach
    void cleanUp() throws InterruptedException {
        if (worker != null) {
            worker.process().destroyForcibly();
            worker.process().waitFor(10, TimeUnit.SECONDS);
        }
        if (starter != null) {
            starter.close();
        }
    }

    private Throwable startFails(Class<?> main, WorkerTransport transport, Duration connectTimeout) throws Exception {
        starter = new SpawnStarter(SpawnStarter.javaOfThisJvm(), System.getProperty("java.class.path"),
                main.getName(), connectTimeout);
        worker = starter.start(new LaunchSpec("fake-1", "fake", List.of(), Map.of(), null, 0,
                FrameLimits.DEFAULT_MAX_FRAME_BYTES, OutputListener.discard(), Runnable::run, transport, List.of(), false));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> worker.connection().ready().get(30, TimeUnit.SECONDS));
        return e.getCause();
    }

    @Test
    void aSocketPeerWithTheWrongTokenIsRefused() throws Exception {
        Throwable e = startFails(FakeWorkers.WrongToken.class, WorkerTransport.UNIX_SOCKET, Duration.ofSeconds(10));
        assertTrue(e instanceof WorkerConnection.ProtocolViolation, e.toString());
        assertEquals(ErrorCode.UNAUTHENTICATED, ((WorkerConnection.ProtocolViolation) e).code());
        assertTrue(e.getMessage().contains("did not present the one-time token"), e.getMessage());
        assertTrue(e.getMessage().contains("a wrong one"), e.getMessage());
    }

    @Test
    void aSocketPeerThatConnectsAndSaysNothingIsDroppedAtTheTimeout() throws Exception {
        long t0 = System.nanoTime();
        Throwable e = startFails(FakeWorkers.ConnectsSilently.class, WorkerTransport.UNIX_SOCKET, Duration.ofSeconds(1));
        assertTrue(e.getMessage().contains("no whole frame") || e.getMessage().contains("within"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10), "bounded by the 1 s timeout");
    }

    @Test
    void aWorkerThatNeverConnectsFailsNamingTheSocket() throws Exception {
        Throwable e = startFails(FakeWorkers.Sleeper.class, WorkerTransport.UNIX_SOCKET, Duration.ofSeconds(1));
        assertTrue(e.getMessage().contains("did not connect to"), e.getMessage());
        assertTrue(e.getMessage().contains("pid " + worker.process().pid()) || e.getMessage().contains(
                "process " + worker.process().pid()), e.getMessage());
    }

    @Test
    void aWorkerThatNeverOpensItsFifosFailsNamingTheFifo() throws Exception {
        Throwable e = startFails(FakeWorkers.Sleeper.class, WorkerTransport.FIFO, Duration.ofSeconds(1));
        assertTrue(e.getMessage().contains("fifo-"), e.getMessage());
        assertTrue(e.getMessage().contains("could not be opened"), e.getMessage());
    }

    @Test
    void aWorkerThatExitsBeforeConnectingFailsAtOnceNotAtTheTimeout() throws Exception {
        for (WorkerTransport t : List.of(WorkerTransport.UNIX_SOCKET, WorkerTransport.FIFO)) {
            long t0 = System.nanoTime();
            Throwable e = startFails(FakeWorkers.ExitsAtOnce.class, t, Duration.ofSeconds(30));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(ms < 10_000, t + ": took " + ms + " ms: " + e);
            starter.close();
        }
    }
}
