package dev.procwire.internal;

import java.io.DataInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * A client that connects to a fork server's socket and prints what the server first says, for
 * ForkServerSecurityTest, which runs it as another user. Needs only junixsocket on its classpath.
 */
public final class ForkServerPeerProbe {
    private ForkServerPeerProbe() {}

    public static void main(String[] args) throws Exception {
        try (AFUNIXSocket s = AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(Path.of(args[0])))) {
            s.setSoTimeout(10_000);
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] message = new byte[in.readInt()];
            in.readFully(message);
            if (message[0] == 'X') {
                int n = ((message[1] & 0xff) << 24) | ((message[2] & 0xff) << 16) | ((message[3] & 0xff) << 8)
                        | (message[4] & 0xff);
                System.out.println("REFUSED " + new String(message, 5, n, StandardCharsets.UTF_8));
            } else {
                System.out.println("ADMITTED type " + (char) message[0]);
            }
            // and the connection must be closed by the server after a refusal
            System.out.println(in.read() < 0 ? "CLOSED" : "OPEN");
        }
    }
}
