package dev.procwire.internal;

import dev.procwire.transport.Transport;
import dev.procwire.transport.pipe.ChildPipes;
import java.io.IOException;

/** A worker connected by anonymous pipes on its standard input and output. Internal. */
final class PipeLink implements WorkerLink {
    private final ChildPipes pipes;

    PipeLink() throws IOException {
        this.pipes = ChildPipes.open();
    }

    @Override
    public void configure(ProcessBuilder builder) throws IOException {
        builder.redirectInput(pipes.childInput()).redirectOutput(pipes.childOutput());
    }

    @Override
    public Transport connect(Process child, String name, int maxFrameBytes) throws IOException {
        pipes.closeChildEnds();
        return pipes.transport(name, maxFrameBytes);
    }

    @Override
    public boolean stdoutIsText() {
        return false;
    }

    @Override
    public void close() {
        try {
            pipes.close();
        } catch (IOException ignored) {
            // nothing more to release
        }
    }
}
