package dev.procwire.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.procwire.proto.v1.ExitNotice;
import org.junit.jupiter.api.Test;

class ExitCodesTest {
    @Test
    void aStatusAbove128WithoutNoticeIsADeathBySignal() {
        assertEquals(-9, ExitCodes.of(137, null));
        assertEquals(-15, ExitCodes.of(143, null));
        assertEquals(3, ExitCodes.of(3, null));
    }

    @Test
    void aNoticeWithoutSignalMeansTheStatusWasTheWorkersOwn() {
        assertEquals(137, ExitCodes.of(137, ExitNotice.newBuilder().setExitCode(-1).build()));
    }

    @Test
    void aNoticeWithASignalIsADeathByThatSignal() {
        assertEquals(-15, ExitCodes.of(143, ExitNotice.newBuilder().setExitCode(143).setSignal(15).build()));
    }

    @Test
    void descriptionsNameTheSignal() {
        assertEquals("killed by SIGKILL (exit code -9)", ExitCodes.describe(-9));
        assertEquals("exit code 1", ExitCodes.describe(1));
    }
}
