package dev.procwire.internal;

import dev.procwire.TestClasspath;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A runtime in a JVM of its own, for ForkServerCleanupTest to kill: it takes one worker from the
 * fork server under the folder given, prints {@code READY <server pid> <worker pid>} and waits.
 */
public final class ForkServerRuntimeChild {
    private ForkServerRuntimeChild() {}

    public static void main(String[] args) throws Exception {
        ForkServerStarter starter = new ForkServerStarter(SpawnStarter.javaOfThisJvm(), TestClasspath.full(),
                Duration.ofSeconds(30), Path.of(args[0]));
        StartedWorker w = starter.start(ForkServerTesting.spec("child-runtime-1", java.util.List.of()));
        ForkServerTesting.awaitReady(w);
        System.out.println("READY " + starter.serverPid() + " " + w.process().pid());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
