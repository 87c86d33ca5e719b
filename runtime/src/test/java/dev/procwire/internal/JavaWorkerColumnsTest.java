package dev.procwire.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procwire.OutputListener;
import dev.procwire.Task;
import dev.procwire.proto.v1.Batch;
import dev.procwire.proto.v1.BatchResult;
import dev.procwire.proto.v1.Frame;
import dev.procwire.proto.v1.Payload;
import dev.procwire.proto.v1.Submit;
import dev.procwire.transport.FrameLimits;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Java worker's side of batch columns, on the wire: what it offers, reads and answers. */
class JavaWorkerColumnsTest {
    private StartedWorker worker;

    /** Doubles an Integer; fails on 13. */
    public static final class Twice implements Task<Integer, Integer> {
        @Override
        public Integer call(Integer x) {
            if (x == 13) {
                throw new IllegalStateException("unlucky");
            }
            return 2 * x;
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (worker != null) {
            worker.process().destroyForcibly();
            worker.process().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private BatchResult run(List<Integer> arguments) throws Exception {
        if (worker == null) {
            worker = new SpawnStarter().start(new LaunchSpec("columns-1", "columns", List.of(), Map.of(), null,
                    FrameLimits.DEFAULT_MAX_FRAME_BYTES, OutputListener.discard(), Runnable::run));
            worker.connection().ready().get(30, TimeUnit.SECONDS);
        }
        Batch batch = Batch.newBuilder().setFunction(Protocol.JAVA_PREFIX + Twice.class.getName())
                .setColumn(BatchColumns.encode(arguments)).build();
        Frame answer = worker.connection().request(id -> Frame.newBuilder().setSubmit(Submit.newBuilder()
                .setRequestId(id).setFunction(Protocol.BATCH_FUNCTION).setArgument(Payload.newBuilder()
                        .setContentType(Protocol.BATCH_TYPE).setData(batch.toByteString()))).build())
                .get(30, TimeUnit.SECONDS);
        assertTrue(answer.hasResult(), answer.toString());
        return BatchResult.parseFrom(answer.getResult().getValue().getData());
    }

    @Test
    void theWorkerOffersColumnsAndTheRuntimeAgrees() throws Exception {
        run(List.of(1, 2));
        assertTrue(worker.connection().agreed(BatchColumns.CAPABILITY));
    }

    @Test
    void aColumnOfArgumentsIsAnsweredWithAColumnWhenEveryCallSucceeds() throws Exception {
        BatchResult result = run(List.of(1, 2, 3, -4));
        assertEquals(0, result.getOutcomesCount());
        assertEquals(List.of(2, 4, 6, -8), BatchColumns.decode(result.getColumn()));
    }

    @Test
    void aFailedCallMakesTheAnswerAnOutcomePerCall() throws Exception {
        BatchResult result = run(List.of(12, 13, 14));
        assertEquals(false, result.hasColumn());
        assertEquals(3, result.getOutcomesCount());
        assertTrue(result.getOutcomes(1).getError().getMessage().contains("unlucky"));
        assertEquals(28, dev.procwire.codec.Codecs.decode(result.getOutcomes(2).getValue()));
    }
}
