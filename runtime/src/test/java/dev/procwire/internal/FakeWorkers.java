package dev.procwire.internal;

import dev.procwire.proto.v1.Frame;
import dev.procwire.proto.v1.Hello;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** Worker main classes that break the protocol on purpose, each in its own way. */
final class FakeWorkers {
    private FakeWorkers() {}

    static OutputStream out() {
        return new FileOutputStream(FileDescriptor.out);
    }

    static void hello(OutputStream out) throws IOException {
        Frame.newBuilder().setHello(Hello.newBuilder().setProtocolVersion(1)
                .setWorkerId(System.getenv(Protocol.ENV_WORKER_ID))
                .setPid(ProcessHandle.current().pid()).setLanguage("java")).build().writeDelimitedTo(out);
        out.flush();
    }

    /** Waits until the runtime closes our input, so the runtime, not our exit, ends the session. */
    static void awaitEof() throws IOException {
        FileInputStream in = new FileInputStream(FileDescriptor.in);
        while (in.read() >= 0) {
            // drain the Welcome and whatever follows
        }
    }

    /** Sends a frame whose body is not a protobuf message. */
    public static final class Garbage {
        public static void main(String[] args) throws IOException {
            OutputStream out = out();
            out.write(new byte[] {3, (byte) 0xff, (byte) 0xff, (byte) 0xff});
            out.flush();
            awaitEof();
        }
    }

    /** Declares a 1 GiB frame and never sends it. */
    public static final class Oversized {
        public static void main(String[] args) throws IOException, InterruptedException {
            OutputStream out = out();
            out.write(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x04});
            out.flush();
            awaitEof();
        }
    }

    /** Sends a valid Hello, then half a frame, then dies. */
    public static final class Truncated {
        public static void main(String[] args) throws IOException {
            OutputStream out = out();
            hello(out);
            out.write(new byte[] {10, 0x5a, 2});
            out.flush();
            Runtime.getRuntime().halt(9);
        }
    }

    /** Sends nothing at all. */
    public static final class Silent {
        public static void main(String[] args) throws IOException {
            awaitEof();
        }
    }

    /** A valid Hello, then garbage once the session is open. */
    public static final class GarbageAfterHello {
        public static void main(String[] args) throws IOException, InterruptedException {
            OutputStream out = out();
            hello(out);
            Thread.sleep(200);
            out.write(new byte[] {2, (byte) 0xff, (byte) 0x01});
            out.flush();
            awaitEof();
        }
    }

    /** A valid Hello, then a frame with no body. */
    public static final class EmptyFrame {
        public static void main(String[] args) throws IOException, InterruptedException {
            OutputStream out = out();
            hello(out);
            Thread.sleep(200);
            out.write(0);
            out.flush();
            awaitEof();
        }
    }

    /** Announces another worker's id. */
    public static final class WrongId {
        public static void main(String[] args) throws IOException {
            OutputStream out = out();
            Frame.newBuilder().setHello(Hello.newBuilder().setProtocolVersion(1).setWorkerId("someone-else")
                    .setPid(ProcessHandle.current().pid())).build().writeDelimitedTo(out);
            out.flush();
            awaitEof();
        }
    }

    /** Connects to the runtime's socket (PROCWIRE_SOCKET) with the JDK's own Unix socket channel. */
    static java.nio.channels.SocketChannel connect() throws IOException {
        java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX);
        ch.connect(java.net.UnixDomainSocketAddress.of(System.getenv(Protocol.ENV_SOCKET)));
        return ch;
    }

    /** Connects to the runtime's socket and shows a token that is not the one it was given. */
    public static final class WrongToken {
        public static void main(String[] args) throws IOException {
            java.nio.channels.SocketChannel ch = connect();
            OutputStream out = java.nio.channels.Channels.newOutputStream(ch);
            Frame.newBuilder().setHello(Hello.newBuilder().setProtocolVersion(1)
                    .setWorkerId(System.getenv(Protocol.ENV_WORKER_ID)).setPid(ProcessHandle.current().pid())
                    .setAuthToken(com.google.protobuf.ByteString.copyFromUtf8("not-the-token")).setLanguage("java"))
                    .build().writeDelimitedTo(out);
            out.flush();
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4096);
            while (ch.read(b.clear()) >= 0) {
                // until the runtime closes the connection
            }
        }
    }

    /** Connects to the runtime's socket and then says nothing. */
    public static final class ConnectsSilently {
        public static void main(String[] args) throws Exception {
            java.nio.channels.SocketChannel ch = connect();
            Thread.sleep(60_000);
            ch.close();
        }
    }

    /** Never opens its FIFOs nor connects: it only sleeps. */
    public static final class Sleeper {
        public static void main(String[] args) throws InterruptedException {
            Thread.sleep(60_000);
        }
    }

    /** Exits at once with status 3, before connecting. */
    public static final class ExitsAtOnce {
        public static void main(String[] args) {
            System.exit(3);
        }
    }
}
