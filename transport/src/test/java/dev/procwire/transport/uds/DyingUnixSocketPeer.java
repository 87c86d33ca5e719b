package dev.procwire.transport.uds;

import java.io.File;
import java.io.OutputStream;
import java.util.HexFormat;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * A child process for tests: connects to the Unix socket {@code args[0]}, writes the bytes
 * given in hex as {@code args[1]}, then dies at once (as if killed) with exit code 137.
 * {@code args[2]}, if present, is how many milliseconds to stay silent before writing.
 */
public final class DyingUnixSocketPeer {
    private DyingUnixSocketPeer() {}

    public static void main(String[] args) throws Exception {
        AFUNIXSocket socket = AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(new File(args[0])));
        if (args.length > 2) {
            Thread.sleep(Long.parseLong(args[2]));
        }
        OutputStream out = socket.getOutputStream();
        out.write(HexFormat.of().parseHex(args[1]));
        out.flush();
        Runtime.getRuntime().halt(137);
    }

    /** The command that runs this class in a new JVM with the test class path. */
    static ProcessBuilder command(String socket, byte[] bytes, long silentMillis) {
        return new ProcessBuilder(System.getProperty("java.home") + "/bin/java", "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), DyingUnixSocketPeer.class.getName(), socket,
                HexFormat.of().formatHex(bytes), Long.toString(silentMillis))
                .redirectError(ProcessBuilder.Redirect.INHERIT);
    }
}
