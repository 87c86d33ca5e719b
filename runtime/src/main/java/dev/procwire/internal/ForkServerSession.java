package dev.procwire.internal;

import dev.procwire.OutputListener;
import dev.procwire.WorkerTransport;
import dev.procwire.transport.FrameLimits;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import org.newsclub.net.unix.AFUNIXSocket;

/**
 * A fork server's side of one runtime's connection: it answers the runtime's requests for
 * workers, one task each on the server's executor, with a ready worker when the request asks
 * for nothing special, else with one started on demand; and it reports the exit status of each
 * worker it handed over. The runtime is already admitted (same uid) when a session starts.
 *
 * <p>Thread safety: {@link #run()} runs on one thread; sends from request tasks and exit
 * callbacks are serialised. The session ends when the runtime's connection does.
 */
final class ForkServerSession implements Runnable {
    private final AFUNIXSocket socket;
    private final ForkServerPool pool;
    private final SpawnStarter spawner;
    private final ExecutorService tasks;
    private final String directory;
    private final List<String> workerOptions;
    private final Runnable ended;
    private final OutputStream out;
    private volatile boolean closed;

    /**
     * @param directory the server's working folder: a request for another one gets a worker
     *     started on demand in it
     * @param workerOptions JVM options of every worker, before a request's own
     * @param ended called once when the runtime's connection has ended
     */
    ForkServerSession(AFUNIXSocket socket, ForkServerPool pool, SpawnStarter spawner, ExecutorService tasks,
                      String directory, List<String> workerOptions, Runnable ended) throws IOException {
        this.socket = socket;
        this.pool = pool;
        this.spawner = spawner;
        this.tasks = tasks;
        this.directory = directory;
        this.workerOptions = workerOptions;
        this.ended = ended;
        this.out = socket.getOutputStream();
    }

    @Override
    public void run() {
        try {
            send(ForkServerMessages.encode(ForkServerMessages.GREETING,
                    o -> o.writeLong(ProcessHandle.current().pid())), null);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            while (true) {
                ForkServerMessages.Message m = ForkServerMessages.read(in);
                if (m.type() != ForkServerMessages.REQUEST) {
                    throw new IOException("unexpected message type " + m.type() + " from a runtime");
                }
                ForkServerMessages.Request r = ForkServerMessages.readRequest(m.fields());
                ForkChild ready = plain(r) ? pool.takeReady() : null;
                if (ready != null) {
                    serve(r, ready); // here: no hand-over to another thread on the fast path
                } else {
                    tasks.execute(() -> serve(r, null));
                }
            }
        } catch (EOFException e) {
            // the runtime closed, exited or was killed
        } catch (IOException | RuntimeException e) {
            System.err.println("procwire fork server: session ended: " + e);
        } finally {
            closed = true;
            try {
                socket.close();
            } catch (IOException ignored) {
                // closed already
            }
            ended.run();
        }
    }

    private boolean plain(ForkServerMessages.Request r) {
        return r.jvmOptions().isEmpty() && r.environment().isEmpty()
                && (r.directory() == null || r.directory().equals(directory))
                && r.maxFrameBytes() == FrameLimits.DEFAULT_MAX_FRAME_BYTES;
    }

    /** Answers {@code r} with {@code ready}, a ready worker taken for it, or else finds or starts one. */
    private void serve(ForkServerMessages.Request r, ForkChild ready) {
        ForkChild child = ready;
        try {
            if (child == null && plain(r)) {
                child = pool.take(r.waitMillis());
            }
            if (child == null) {
                // Asked for options, variables or a folder of its own, or none ready: start one now.
                // Its runtime does the handshake, and sees its failure with its stderr.
                List<String> options = new java.util.ArrayList<>(workerOptions);
                options.addAll(r.jvmOptions());
                LaunchSpec spec = new LaunchSpec(r.workerId(), r.workerId(), options, r.environment(),
                        r.directory() == null ? null : Path.of(r.directory()), 0, r.maxFrameBytes(),
                        OutputListener.discard(), Runnable::run, WorkerTransport.PIPE, List.of(), false);
                child = ForkChild.spawn(spawner, spec);
            }
            ForkChild c = child;
            FileDescriptor[] ends = child.runtimeEnds();
            send(ForkServerMessages.worker(new ForkServerMessages.Worker(r.id(), child.process().pid(),
                    child.workerId(), child.hello())), ends);
            // In flight the descriptors are the kernel's; the runtime has them now, or never will.
            child.closeEnds();
            child.process().onExit().thenAccept(p -> exited(p.pid(), p.exitValue()));
            child = null;
            if (c.hello().length > 0) {
                pool.refillSoon();
            }
        } catch (IOException | RuntimeException e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            try {
                send(ForkServerMessages.encode(ForkServerMessages.FAILED, o -> {
                    o.writeLong(r.id());
                    ForkServerMessages.writeString(o, why);
                }), null);
            } catch (IOException gone) {
                // the runtime is gone: nothing to tell
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (child != null) {
                child.kill(); // not handed over: nobody else will end it
            }
        }
    }

    private void exited(long pid, int status) {
        if (closed) {
            return;
        }
        try {
            send(ForkServerMessages.encode(ForkServerMessages.EXIT, o -> {
                o.writeLong(pid);
                o.writeInt(status);
            }), null);
        } catch (IOException e) {
            // the runtime is gone: nobody to tell
        }
    }

    private void send(byte[] message, FileDescriptor[] fds) throws IOException {
        synchronized (out) {
            if (fds != null) {
                socket.setOutboundFileDescriptors(fds);
            }
            try {
                out.write(message);
            } finally {
                if (fds != null) {
                    socket.setOutboundFileDescriptors((FileDescriptor[]) null);
                }
            }
        }
    }
}
