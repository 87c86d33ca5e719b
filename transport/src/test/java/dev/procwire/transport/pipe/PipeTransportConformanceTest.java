package dev.procwire.transport.pipe;

import dev.procwire.transport.Transport;
import dev.procwire.transport.TransportConformanceTest;
import io.netty.channel.unix.FileDescriptor;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import org.newsclub.net.unix.AFPipe;
import org.newsclub.net.unix.FileDescriptorAccess;
import org.newsclub.net.unix.FileDescriptorCast;

/** The conformance suite on anonymous pipes: a pair within this JVM, and {@code sh} children. */
class PipeTransportConformanceTest extends TransportConformanceTest {

    @Override
    protected Pair connect(int localMax, int peerMax) throws IOException {
        AFPipe toPeer = AFPipe.open();
        AFPipe toLocal = AFPipe.open();
        for (AFPipe p : new AFPipe[] {toPeer, toLocal}) {
            p.source().configureBlocking(false);
            p.sink().configureBlocking(false);
        }
        PipeTransport local = new PipeTransport(fd(toLocal.source()), toLocal.source()::close,
                fd(toPeer.sink()), toPeer.sink()::close, "local pipe", localMax);
        PipeTransport peer = new PipeTransport(fd(toPeer.source()), toPeer.source()::close,
                fd(toLocal.sink()), toLocal.sink()::close, "peer pipe", peerMax);
        return new Pair(local, peer);
    }

    private static FileDescriptor fd(FileDescriptorAccess end) throws IOException {
        return new FileDescriptor(FileDescriptorCast.using(end.getFileDescriptor()).as(Integer.class));
    }

    @Override
    protected Transport connectToDyingChild(byte[] bytes, int max) throws IOException {
        ChildPipes pipes = ChildPipes.open();
        try {
            track(new ProcessBuilder("sh", "-c", "printf '" + printfFormat(bytes) + "'; kill -9 $$")
                    .redirectInput(pipes.childInput())
                    .redirectOutput(pipes.childOutput())
                    .redirectError(Redirect.INHERIT)
                    .start());
            pipes.closeChildEnds();
            return pipes.transport("pipe to a dying child", max);
        } catch (IOException | RuntimeException e) {
            pipes.close();
            throw e;
        }
    }
}
