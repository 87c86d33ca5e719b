package dev.procwire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Frames larger than one pipe read (64 KiB) reach a worker whole, in both directions. */
@Timeout(60)
class LargePayloadTest {
    /** Returns the length of its argument and a copy of it. */
    static final class Echo implements Task<byte[], byte[]> {
        @Override
        public byte[] call(byte[] data) {
            return data.clone();
        }
    }

    @Test
    void aMultiMegabyteArgumentAndResultTravelWhole() {
        byte[] data = new byte[3 << 20];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31);
        }
        try (ProcessPool pool = ProcessPool.builder().processes(1).runtime(ProcessPoolTest.RUNTIME).build()) {
            for (int round = 0; round < 3; round++) {
                assertEquals(java.util.Arrays.hashCode(data), java.util.Arrays.hashCode(pool.apply(Echo.class, data)));
            }
            // and many mid-sized ones, which split across pipe reads at every offset
            for (int size = 60_000; size < 200_000; size += 7_919) {
                assertEquals(size, pool.apply(Echo.class, new byte[size]).length);
            }
        }
    }
}
