package dev.procwire;

import dev.procwire.proto.v1.Frame;
import dev.procwire.proto.v1.Heartbeat;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A separate JVM for {@link NamedPipeTest}: reads frames from the FIFO named by its first
 * argument and writes each back to the FIFO named by its second, a heartbeat's sequence plus one,
 * until end of stream. Exit status 0 when done.
 */
public final class NamedPipeChild {
    private NamedPipeChild() {}

    public static void main(String[] args) throws Exception {
        Duration wait = Duration.ofSeconds(20);
        try (NamedPipe.Reader in = NamedPipe.of(Path.of(args[0])).openReader(wait);
             NamedPipe.Writer out = NamedPipe.of(Path.of(args[1])).openWriter(wait)) {
            Frame frame;
            while ((frame = in.readFrame()) != null) {
                if (frame.hasHeartbeat()) {
                    Heartbeat h = frame.getHeartbeat();
                    frame = Frame.newBuilder().setHeartbeat(h.toBuilder().setSequence(h.getSequence() + 1)).build();
                }
                out.writeFrame(frame);
            }
        }
    }
}
