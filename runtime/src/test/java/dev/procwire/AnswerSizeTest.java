package dev.procwire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procwire.proto.v1.ErrorCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** An answer too large for a frame still answers its request: with FRAME_TOO_LARGE. */
@Timeout(60)
class AnswerSizeTest {
    /** Returns that many bytes. */
    static final class Bytes implements Task<Integer, byte[]> {
        @Override
        public byte[] call(Integer n) {
            return new byte[n];
        }
    }

    @Test
    void anAnswerOverTheFrameLimitFailsItsTaskInsteadOfLosingIt() {
        ProcwireRuntime rt = ProcwireRuntime.builder().maxFrameBytes(1 << 20).outputListener(OutputListener.discard()).build();
        try (ProcessPool pool = ProcessPool.builder().processes(1).runtime(rt).build()) {
            RemoteException e = assertThrows(RemoteException.class, () -> pool.apply(Bytes.class, 2 << 20));
            assertEquals(ErrorCode.FRAME_TOO_LARGE, e.code());
            assertTrue(e.getMessage().contains("exceeds the maximum of 1048576 bytes"), e.getMessage());
            assertEquals(1000, pool.apply(Bytes.class, 1000).length); // the worker goes on
        } finally {
            rt.close();
        }
    }
}
