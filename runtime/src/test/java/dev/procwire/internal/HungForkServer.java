package dev.procwire.internal;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * A fork server that hangs: a process that takes a fork server's socket path, greets every
 * runtime as a server does, then reads its requests and never answers one. Started by
 * {@link #start} in a JVM of its own, since the runtime kills the server it finds hung.
 */
public final class HungForkServer {
    private HungForkServer() {}

    /** Starts one listening at {@code socket}, returning once it listens. */
    static Process start(Path socket) throws IOException {
        Process p = new ProcessBuilder(SpawnStarter.javaOfThisJvm(), "-cp", dev.procwire.TestClasspath.full(),
                HungForkServer.class.getName(), socket.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        InputStream out = p.getInputStream();
        if (out.read() != 'L') { // its first byte says it listens
            p.destroyForcibly();
            throw new IOException("the hung fork server did not start listening at " + socket);
        }
        return p;
    }

    public static void main(String[] args) throws IOException {
        Path socket = Path.of(args[0]);
        Files.deleteIfExists(socket);
        AFUNIXServerSocket server = AFUNIXServerSocket.newInstance();
        server.bind(AFUNIXSocketAddress.of(socket));
        System.out.write('L');
        System.out.flush();
        while (true) {
            AFUNIXSocket peer = server.accept();
            peer.getOutputStream().write(ForkServerMessages.encode(ForkServerMessages.GREETING,
                    o -> o.writeLong(ProcessHandle.current().pid())));
            Thread reader = new Thread(() -> {
                try {
                    DataInputStream in = new DataInputStream(peer.getInputStream());
                    while (true) {
                        ForkServerMessages.read(in); // a request, never answered
                    }
                } catch (IOException e) {
                    // the runtime went away
                }
            });
            reader.setDaemon(true);
            reader.start();
        }
    }
}
