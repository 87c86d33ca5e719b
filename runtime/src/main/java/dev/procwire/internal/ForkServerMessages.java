package dev.procwire.internal;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The messages a runtime and its fork server exchange over their Unix socket, and their
 * encoding. Stateless; thread safe.
 *
 * <p>Each message is a 4-byte big-endian length, then that many bytes: a type byte and its
 * fields (integers big-endian, strings as a length and UTF-8 bytes). A message is written with
 * one {@code write} call, so descriptors sent with it ({@code SCM_RIGHTS}) arrive with its first
 * byte; readers read exactly one message at a time, never ahead, so a message's descriptors are
 * never taken with another's bytes.
 *
 * <ul>
 *   <li>server to runtime, first: {@link #GREETING} (server pid) or {@link #REFUSED} (why);
 *   <li>runtime to server: {@link #REQUEST} a worker;
 *   <li>server to runtime: {@link #WORKER} (pid, worker id, the Hello it already sent or nothing,
 *       with three descriptors: the write end of its stdin, the read ends of its stdout and its
 *       stderr) or {@link #FAILED} (why), answering a request by its id; and {@link #EXIT} (pid,
 *       exit status as {@link Process#exitValue()} gives it) when a worker handed to this
 *       runtime has exited.
 * </ul>
 */
final class ForkServerMessages {
    static final byte GREETING = 'G';
    static final byte REFUSED = 'X';
    static final byte REQUEST = 'R';
    static final byte WORKER = 'W';
    static final byte FAILED = 'F';
    static final byte EXIT = 'E';
    /** Largest message accepted: requests carry JVM options and environment, nothing bulky. */
    static final int MAX_MESSAGE_BYTES = 4 << 20;
    /** Descriptors in a {@link #WORKER} message. */
    static final int WORKER_DESCRIPTORS = 3;

    private ForkServerMessages() {}

    /**
     * A runtime's request for a worker.
     *
     * @param waitMillis how long the server may wait for a ready worker being started before it
     *     starts one for this request (well within the runtime's own timeout)
     */
    record Request(long id, String workerId, int maxFrameBytes, String directory, List<String> jvmOptions,
                   Map<String, String> environment, long waitMillis) {}

    /** A worker handed over: its descriptors travel beside the message. */
    record Worker(long requestId, long pid, String workerId, byte[] hello) {}

    /** One message read: its type and a reader over its fields. */
    record Message(byte type, DataInputStream fields) {}

    /** Writes one message's fields. */
    @FunctionalInterface
    interface Fields {
        void write(DataOutputStream out) throws IOException;
    }

    /** The bytes of one whole message, length prefix included. */
    static byte[] encode(byte type, Fields fields) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(0); // the length, filled in below
            out.writeByte(type);
            fields.write(out);
            out.flush();
            byte[] message = bytes.toByteArray();
            int length = message.length - 4;
            message[0] = (byte) (length >>> 24);
            message[1] = (byte) (length >>> 16);
            message[2] = (byte) (length >>> 8);
            message[3] = (byte) length;
            return message;
        } catch (IOException e) {
            throw new AssertionError("writing to memory failed", e);
        }
    }

    /**
     * Reads exactly one message.
     *
     * @throws EOFException if the stream ends before a message starts or within one
     * @throws IOException if the length is not a sane one
     */
    static Message read(DataInputStream in) throws IOException {
        byte[] prefix = new byte[4];
        in.readFully(prefix); // one read call, where readInt makes four
        int length = ((prefix[0] & 0xff) << 24) | ((prefix[1] & 0xff) << 16) | ((prefix[2] & 0xff) << 8)
                | (prefix[3] & 0xff);
        if (length < 1 || length > MAX_MESSAGE_BYTES) {
            throw new IOException("bad fork server message length " + length + " (must be 1.." + MAX_MESSAGE_BYTES
                    + "): the peer does not speak this protocol");
        }
        byte[] body = new byte[length];
        in.readFully(body);
        DataInputStream fields = new DataInputStream(new java.io.ByteArrayInputStream(body, 1, length - 1));
        return new Message(body[0], fields);
    }

    static byte[] request(Request r) {
        return encode(REQUEST, out -> {
            out.writeLong(r.id());
            out.writeLong(r.waitMillis());
            writeString(out, r.workerId());
            out.writeInt(r.maxFrameBytes());
            writeString(out, r.directory() == null ? "" : r.directory());
            out.writeInt(r.jvmOptions().size());
            for (String option : r.jvmOptions()) {
                writeString(out, option);
            }
            out.writeInt(r.environment().size());
            for (Map.Entry<String, String> e : r.environment().entrySet()) {
                writeString(out, e.getKey());
                writeString(out, e.getValue());
            }
        });
    }

    static Request readRequest(DataInputStream in) throws IOException {
        long id = in.readLong();
        long waitMillis = in.readLong();
        String workerId = readString(in);
        int maxFrame = in.readInt();
        String directory = readString(in);
        int options = count(in);
        List<String> jvmOptions = new ArrayList<>(options);
        for (int i = 0; i < options; i++) {
            jvmOptions.add(readString(in));
        }
        int variables = count(in);
        Map<String, String> environment = new LinkedHashMap<>();
        for (int i = 0; i < variables; i++) {
            environment.put(readString(in), readString(in));
        }
        return new Request(id, workerId, maxFrame, directory.isEmpty() ? null : directory, jvmOptions, environment,
                waitMillis);
    }

    static byte[] worker(Worker w) {
        return encode(WORKER, out -> {
            out.writeLong(w.requestId());
            out.writeLong(w.pid());
            writeString(out, w.workerId());
            out.writeInt(w.hello().length);
            out.write(w.hello());
        });
    }

    static Worker readWorker(DataInputStream in) throws IOException {
        long requestId = in.readLong();
        long pid = in.readLong();
        String workerId = readString(in);
        byte[] hello = new byte[count(in)];
        in.readFully(hello);
        return new Worker(requestId, pid, workerId, hello);
    }

    static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    static String readString(DataInputStream in) throws IOException {
        byte[] bytes = new byte[count(in)];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static int count(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_MESSAGE_BYTES) {
            throw new IOException("bad count " + n + " in a fork server message");
        }
        return n;
    }
}
