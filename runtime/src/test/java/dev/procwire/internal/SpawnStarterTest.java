package dev.procwire.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SpawnStarterTest {
    @Test
    void jvmLogOptionsAreMovedOffTheProtocolStream() {
        assertEquals("-Xlog:gc:stderr", SpawnStarter.keepLogsOffStdout("-Xlog:gc"));
        assertEquals("-Xlog:gc*=debug:stderr:uptime", SpawnStarter.keepLogsOffStdout("-Xlog:gc*=debug:stdout:uptime"));
        assertEquals("-Xlog:gc:stderr:uptime", SpawnStarter.keepLogsOffStdout("-Xlog:gc::uptime"));
        assertEquals("-Xlog:gc:file=gc.log", SpawnStarter.keepLogsOffStdout("-Xlog:gc:file=gc.log"));
        assertEquals("-Xlog:gc:stderr", SpawnStarter.keepLogsOffStdout("-verbose:gc"));
        assertEquals("-Xlog:all=info:stderr", SpawnStarter.keepLogsOffStdout("-Xlog"));
        assertEquals("-Xmx64m", SpawnStarter.keepLogsOffStdout("-Xmx64m"));
    }
}
