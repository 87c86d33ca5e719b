package dev.procwire.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procwire.OutputListener;
import dev.procwire.proto.v1.ErrorCode;
import dev.procwire.proto.v1.Frame;
import dev.procwire.proto.v1.Submit;
import dev.procwire.transport.FrameLimits;
import dev.procwire.transport.Termination;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The runtime's session against real child processes that break the protocol. */
@Timeout(60)
class WorkerConnectionTest {
    private StartedWorker worker;

    @AfterEach
    void killWorker() throws InterruptedException {
        if (worker != null) {
            worker.process().destroyForcibly();
            worker.process().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private StartedWorker start(Class<?> main) throws Exception {
        SpawnStarter starter = new SpawnStarter(SpawnStarter.javaOfThisJvm(), System.getProperty("java.class.path"),
                main.getName());
        worker = starter.start(new LaunchSpec("fake-1", "fake", List.of(), Map.of(), null,
                FrameLimits.DEFAULT_MAX_FRAME_BYTES, OutputListener.discard(), Runnable::run));
        return worker;
    }

    private static Throwable handshakeFailure(StartedWorker w) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> w.connection().ready().get(20, TimeUnit.SECONDS));
        return e.getCause();
    }

    private static Termination closed(StartedWorker w) throws Exception {
        return w.connection().closed().get(20, TimeUnit.SECONDS);
    }

    @Test
    void aMalformedFrameClosesTheConnectionWithAProtocolErrorNamingTheWorker() throws Exception {
        StartedWorker w = start(FakeWorkers.Garbage.class);
        Throwable e = handshakeFailure(w);
        assertTrue(e.getMessage().contains("malformed frame"), e.getMessage());
        assertTrue(e.getMessage().contains("worker fake (pid " + w.process().pid() + ")"), e.getMessage());
        assertEquals(Termination.Kind.PROTOCOL_ERROR, closed(w).kind());
    }

    @Test
    void anOversizedFrameIsRefusedBeforeItsBodyArrives() throws Exception {
        StartedWorker w = start(FakeWorkers.Oversized.class);
        Termination t = closed(w); // the fake never sends the body: refusal cannot have waited for it
        assertEquals(Termination.Kind.FRAME_TOO_LARGE, t.kind());
        assertTrue(t.message().contains("frame of 1073741824 bytes exceeds the maximum of 67108864 bytes"), t.message());
        assertTrue(t.message().contains("worker fake"), t.message());
    }

    @Test
    void aFrameCutShortByTheWorkersDeathIsReportedAsTruncated() throws Exception {
        StartedWorker w = start(FakeWorkers.Truncated.class);
        w.connection().ready().get(20, TimeUnit.SECONDS);
        assertEquals(Termination.Kind.TRUNCATED, closed(w).kind());
    }

    @Test
    void pendingRequestsFailWhenTheConnectionBreaks() throws Exception {
        StartedWorker w = start(FakeWorkers.GarbageAfterHello.class);
        w.connection().ready().get(20, TimeUnit.SECONDS);
        CompletableFuture<Frame> answer = w.connection().request(id -> Frame.newBuilder()
                .setSubmit(Submit.newBuilder().setRequestId(id).setFunction("java:Nothing")).build());
        assertEquals(Termination.Kind.PROTOCOL_ERROR, closed(w).kind());
        w.connection().failPending(id -> new IllegalStateException("request " + id + " lost"));
        ExecutionException e = assertThrows(ExecutionException.class, () -> answer.get(5, TimeUnit.SECONDS));
        assertEquals("request 1 lost", e.getCause().getMessage());
    }

    @Test
    void aFrameWithNoBodyIsAProtocolError() throws Exception {
        StartedWorker w = start(FakeWorkers.EmptyFrame.class);
        w.connection().ready().get(20, TimeUnit.SECONDS);
        Termination t = closed(w);
        assertEquals(Termination.Kind.PROTOCOL_ERROR, t.kind());
        assertTrue(t.message().contains("no body"), t.message());
    }

    @Test
    void aWorkerAnnouncingAnotherIdIsRefused() throws Exception {
        StartedWorker w = start(FakeWorkers.WrongId.class);
        Throwable e = handshakeFailure(w);
        assertTrue(e instanceof WorkerConnection.ProtocolViolation, e.toString());
        assertEquals(ErrorCode.UNAUTHENTICATED, ((WorkerConnection.ProtocolViolation) e).code());
        assertTrue(e.getMessage().contains("someone-else"), e.getMessage());
    }

    @Test
    void aWorkerThatSaysNothingNeverCompletesTheHandshake() throws Exception {
        StartedWorker w = start(FakeWorkers.Silent.class);
        assertThrows(java.util.concurrent.TimeoutException.class,
                () -> w.connection().ready().get(500, TimeUnit.MILLISECONDS));
        w.process().destroyForcibly();
        Throwable e = handshakeFailure(w); // its death ends the wait: nothing hangs
        assertTrue(e.getMessage().contains("before the handshake"), e.getMessage());
    }
}
