package dev.procwire.transport;

import com.google.protobuf.ByteString;
import dev.procwire.proto.v1.Frame;
import dev.procwire.proto.v1.Heartbeat;
import dev.procwire.proto.v1.Output;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Random;

/** Frames and wire bytes for tests, encoded independently of the code under test. */
public final class TestFrames {
    private TestFrames() {}

    public static Frame heartbeat(long sequence) {
        return Frame.newBuilder().setHeartbeat(Heartbeat.newBuilder().setSequence(sequence)).build();
    }

    /** An Output frame carrying {@code size} pseudo-random bytes (seeded, so reproducible). */
    public static Frame output(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return Frame.newBuilder().setOutput(Output.newBuilder()
                .setStream(Output.Stream.STDOUT).setData(ByteString.copyFrom(data))).build();
    }

    /** The unsigned LEB128 encoding of {@code value}. */
    public static byte[] varint(long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while ((value & ~0x7fL) != 0) {
            out.write((int) ((value & 0x7f) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
        return out.toByteArray();
    }

    /** A length prefix followed by {@code body}. */
    public static byte[] delimited(byte[] body) {
        return concat(varint(body.length), body);
    }

    /** Each frame serialized and length-prefixed, concatenated. */
    public static byte[] encode(List<Frame> frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Frame frame : frames) {
            out.writeBytes(delimited(frame.toByteArray()));
        }
        return out.toByteArray();
    }

    public static byte[] encode(Frame... frames) {
        return encode(List.of(frames));
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    public static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }
}
