package dev.procwire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.procwire.codec.JavaSerializationCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Java serialization, once turned on with an allow-list, reaches the workers too. */
@Timeout(60)
class JavaSerializationPoolTest {
    @Test
    void workersReadAndWriteTheAllowedClasses() {
        JavaSerializationCodec.enable("dev.procwire.PoolFixtures$Point");
        try (ProcessPool pool = ProcessPool.builder().processes(1).runtime(ProcessPoolTest.RUNTIME).build()) {
            assertEquals(new PoolFixtures.Point(2, 3), pool.apply(PoolFixtures.MovePoint.class, new PoolFixtures.Point(1, 2)));
        }
    }
}
