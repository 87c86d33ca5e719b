package dev.procwire;

import dev.procwire.codec.Codecs;
import dev.procwire.codec.PayloadCodec;
import dev.procwire.proto.v1.Payload;
import java.util.concurrent.TimeUnit;

/**
 * A child process for {@link PipeTest}: it takes the {@link Connection} end its parent handed it
 * and does what its first argument says, printing {@code ready} on standard output once it has
 * the end. Exit status 0 when done, 3 if it could not take the end (its message on stdout).
 */
public final class PipeChild {
    private PipeChild() {}

    /** A point, carried by a codec that both processes register. */
    public record Point(int x, int y) {}

    /** Carries {@link Point}s as "x,y" text. */
    public static final class PointCodec implements PayloadCodec {
        private static final String TYPE = "application/x-test-point";

        @Override
        public boolean canEncode(Object value) {
            return value instanceof Point;
        }

        @Override
        public boolean canDecode(String contentType) {
            return contentType.equals(TYPE);
        }

        @Override
        public Payload encode(Object value) {
            Point p = (Point) value;
            return Payload.newBuilder().setContentType(TYPE)
                    .setData(com.google.protobuf.ByteString.copyFromUtf8(p.x() + "," + p.y())).build();
        }

        @Override
        public Object decode(Payload payload) {
            String[] xy = payload.getData().toStringUtf8().split(",");
            return new Point(Integer.parseInt(xy[0]), Integer.parseInt(xy[1]));
        }
    }

    public static void main(String[] args) throws Exception {
        Codecs.register(new PointCodec());
        String mode = args[0];
        String name = args[1];
        Connection end;
        try {
            end = Connection.inherited(name);
        } catch (Exception e) {
            e.printStackTrace();
            System.out.println(e.getClass().getSimpleName() + ": " + e.getMessage());
            System.out.flush();
            System.exit(3);
            return;
        }
        System.out.println("ready");
        System.out.flush();
        switch (mode) {
            case "echo" -> { // sends back each message as received, until end of stream
                try {
                    while (true) {
                        end.send(end.receive());
                    }
                } catch (ConnectionClosedException e) {
                    System.out.println("eof " + e.kind());
                }
            }
            case "send" -> { // sends "message-0".."message-(n-1)", then exits without closing
                int n = Integer.parseInt(args[2]);
                for (int i = 0; i < n; i++) {
                    end.send("message-" + i);
                }
            }
            case "count" -> { // receives until end of stream, prints how many and the last
                int n = 0;
                Object last = null;
                try {
                    while (true) {
                        last = end.receive();
                        n++;
                    }
                } catch (ConnectionClosedException e) {
                    System.out.println("received " + n + " last " + last + " then " + e.kind());
                }
            }
            case "stuck" -> { // sends a message larger than the pipe holds, which nobody reads
                end.sendBytes(new byte[Integer.parseInt(args[2])]);
            }
            case "wait" -> TimeUnit.MINUTES.sleep(5); // holds the end until killed
            default -> throw new IllegalArgumentException(mode);
        }
        System.out.flush();
    }
}
