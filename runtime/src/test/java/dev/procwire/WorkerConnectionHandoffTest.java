package dev.procwire;

import static org.junit.jupiter.api.Assertions.*;


import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A Connection end handed to a WorkerProcess at start: the two processes talk directly. */
@org.junit.jupiter.api.Timeout(60)
class WorkerConnectionHandoffTest {
    public static final class Echo implements Task<String, Integer> {
        @Override
        public Integer call(String name) throws Exception {
            Connection c = Connection.inherited(name);
            int n = 0;
            try {
                while (true) {
                    c.send(c.receive());
                    n++;
                }
            } catch (ConnectionClosedException e) {
                return n;
            }
        }
    }

    public static final class Sender implements Task<Integer, Void> {
        @Override
        public Void call(Integer n) throws Exception {
            Connection c = Connection.inherited("out");
            for (int i = 0; i < n; i++) c.send(i);
            return null;
        }
    }

    public static final class Counter implements Task<Void, Integer> {
        @Override
        public Integer call(Void ignored) throws Exception {
            Connection c = Connection.inherited("in");
            int sum = 0;
            try { while (true) sum += (Integer) c.receive(); } catch (ConnectionClosedException e) { return sum; }
        }
    }

    @Test
    void aWorkerEchoesOverTheEndItWasHanded() throws Exception {
        Pipe.Ends pipe = Pipe.open();
        WorkerProcess w = new WorkerProcess(Echo.class, "jobs").addConnection("jobs", pipe.second());
        w.start();
        for (int i = 0; i < 100; i++) {
            pipe.first().send("m" + i);
            assertEquals("m" + i, pipe.first().receive());
        }
        pipe.first().close();
        assertTrue(w.join(Duration.ofSeconds(20)));
        assertEquals(0, w.exitCode());
        assertEquals(100, w.result());
    }

    @Test
    void twoWorkersTalkDirectlyWithoutTheParentInBetween() throws Exception {
        Pipe.Ends pipe = Pipe.open(false);
        WorkerProcess counter = new WorkerProcess(Counter.class).addConnection("in", pipe.first());
        WorkerProcess sender = new WorkerProcess(Sender.class, 1000).addConnection("out", pipe.second());
        counter.start();
        sender.start();
        assertTrue(sender.join(Duration.ofSeconds(20)));
        assertTrue(counter.join(Duration.ofSeconds(20)));
        assertEquals(499500, counter.result());
        assertTrue(pipe.first().isClosed() && pipe.second().isClosed());
    }

    @Test
    void aKilledWorkerEndsAWaitingReceive() throws Exception {
        Pipe.Ends pipe = Pipe.open();
        WorkerProcess w = new WorkerProcess(Echo.class, "jobs").addConnection("jobs", pipe.second());
        w.start();
        pipe.first().send("x");
        assertEquals("x", pipe.first().receive());
        new Thread(() -> { try { Thread.sleep(300); } catch (InterruptedException e) {} w.kill(); }).start();
        ConnectionClosedException e = assertThrows(ConnectionClosedException.class, pipe.first()::receive);
        assertTrue(e.byPeer());
        pipe.close();
    }
}
