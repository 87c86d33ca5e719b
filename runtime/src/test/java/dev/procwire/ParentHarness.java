package dev.procwire;

/**
 * A parent program for tests that need the parent JVM itself to end: it starts one worker and
 * returns from main (or sleeps, to be killed). Prints {@code worker-pid=N} once the worker runs.
 */
public final class ParentHarness {
    private ParentHarness() {}

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        int millis = Integer.parseInt(args[1]);
        WorkerProcess p = new WorkerProcess(Fixtures.Sleeps.class, millis).setName("harness-child");
        p.setDaemon(mode.equals("daemon") || mode.equals("orphan"));
        p.start();
        System.out.println("worker-pid=" + p.pid());
        System.out.flush();
        if (mode.equals("orphan")) {
            Thread.sleep(600_000); // until the test kills this JVM
        }
        System.out.println("main returns");
    }
}
