package dev.procwire.proto.golden;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import dev.procwire.proto.v1.ActorAsk;
import dev.procwire.proto.v1.ActorCreate;
import dev.procwire.proto.v1.ActorStop;
import dev.procwire.proto.v1.ActorTell;
import dev.procwire.proto.v1.Batch;
import dev.procwire.proto.v1.BatchResult;
import dev.procwire.proto.v1.Cancel;
import dev.procwire.proto.v1.ErrorCode;
import dev.procwire.proto.v1.ExitNotice;
import dev.procwire.proto.v1.Failure;
import dev.procwire.proto.v1.Frame;
import dev.procwire.proto.v1.Heartbeat;
import dev.procwire.proto.v1.Hello;
import dev.procwire.proto.v1.ListValue;
import dev.procwire.proto.v1.MapEntry;
import dev.procwire.proto.v1.MapValue;
import dev.procwire.proto.v1.Outcome;
import dev.procwire.proto.v1.Output;
import dev.procwire.proto.v1.Payload;
import dev.procwire.proto.v1.ProtocolError;
import dev.procwire.proto.v1.RemoteError;
import dev.procwire.proto.v1.Result;
import dev.procwire.proto.v1.Shutdown;
import dev.procwire.proto.v1.Submit;
import dev.procwire.proto.v1.Value;
import dev.procwire.proto.v1.Welcome;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The golden frames of proto/testdata: one representative message per file, as the bytes on the
 * wire ({@code <name>.bin}, in the length-delimited format of {@code writeDelimitedTo}) and as
 * protobuf text format ({@code <name>.txtpb}, whose {@code # proto-message:} line names the
 * message type). Tests in Java and Python decode every file and re-encode it byte for byte, so
 * any change to the wire format shows up as a failing test.
 *
 * <p>The files are written only on purpose, never by a normal build:
 * {@code mvn -pl proto test -Dtest=GoldenFramesTest -Dprocwire.golden.write=true} (or run
 * {@link #main} with the testdata folder). GoldenFramesTest fails whenever this class and the
 * files disagree, so a change here must come with regenerated, reviewed files.
 */
public final class GoldenFrames {
    private GoldenFrames() {}

    /** File name (without extension) to message, in a stable order. */
    public static Map<String, Message> all() {
        Map<String, Message> m = new LinkedHashMap<>();
        m.put("hello", frame(Frame.newBuilder().setHello(Hello.newBuilder()
                .setProtocolVersion(1).setMinProtocolVersion(1).setWorkerId("w-1").setPid(4242)
                .setLanguage("python").setRuntime("CPython 3.11.2")
                .addAllCapabilities(List.of("cancel", "heartbeat", "actors"))
                .setAuthToken(ByteString.copyFromUtf8("t0ken-\u00e9")))));
        m.put("welcome", frame(Frame.newBuilder().setWelcome(Welcome.newBuilder()
                .setProtocolVersion(1).setWorkerName("worker-1").setRuntimePid(4100).setMaxFrameBytes(67108864)
                .setHeartbeatIntervalMillis(5000).addAllCapabilities(List.of("cancel", "actors"))
                .setMaxConcurrentTasks(1))));
        m.put("submit", frame(Frame.newBuilder().setSubmit(Submit.newBuilder()
                .setRequestId(1).setFunction("add").setArgument(valuePayload(list(int64(2), int64(3))))
                .setDeadlineMillis(30000))));
        m.put("submit-exit-when-done", frame(Frame.newBuilder().setSubmit(Submit.newBuilder()
                .setRequestId(2).setFunction("java:com.example.Square")
                .setArgument(valuePayload(Value.newBuilder().setInt32Value(-7).build())).setExitWhenDone(true))));
        m.put("submit-batch", frame(Frame.newBuilder().setSubmit(Submit.newBuilder()
                .setRequestId(3).setFunction("procwire.map").setArgument(Payload.newBuilder()
                        .setContentType("application/x-protobuf; type=procwire.v1.Batch")
                        .setData(batch().toByteString())))));
        m.put("batch", batch());
        m.put("batch-result", batchResult());
        m.put("result", frame(Frame.newBuilder().setResult(Result.newBuilder()
                .setRequestId(1).setValue(valuePayload(int64(5))))));
        m.put("result-void", frame(Frame.newBuilder().setResult(Result.newBuilder()
                .setRequestId(4).setValue(Payload.getDefaultInstance()))));
        m.put("result-batch", frame(Frame.newBuilder().setResult(Result.newBuilder()
                .setRequestId(3).setValue(Payload.newBuilder()
                        .setContentType("application/x-protobuf; type=procwire.v1.BatchResult")
                        .setData(batchResult().toByteString())))));
        m.put("failure", frame(Frame.newBuilder().setFailure(Failure.newBuilder()
                .setRequestId(5).setError(RemoteError.newBuilder()
                        .setCode(ErrorCode.TASK_FAILED).setType("ValueError").setMessage("bad input")
                        .setStackTrace("Traceback (most recent call last):\n  File \"tasks.py\", line 3, in fail\n"
                                + "ValueError: bad input\n")
                        .setWorkerId("w-1")
                        .setCause(RemoteError.newBuilder().setCode(ErrorCode.TASK_FAILED).setType("KeyError")
                                .setMessage("'missing'").setWorkerId("w-1"))))));
        m.put("failure-cancelled", frame(Frame.newBuilder().setFailure(Failure.newBuilder()
                .setRequestId(6).setError(RemoteError.newBuilder().setCode(ErrorCode.CANCELLED)
                        .setType("Cancelled").setMessage("cancelled").setWorkerId("w-1").setRetryable(true)))));
        m.put("cancel", frame(Frame.newBuilder().setCancel(Cancel.newBuilder().setRequestId(6).setInterrupt(true))));
        m.put("actor-create", frame(Frame.newBuilder().setActorCreate(ActorCreate.newBuilder()
                .setRequestId(7).setActorId("a-1").setKind("counter").setArgument(valuePayload(int64(10))))));
        m.put("actor-tell", frame(Frame.newBuilder().setActorTell(ActorTell.newBuilder()
                .setActorId("a-1").setMessage(Payload.newBuilder().setContentType("text/plain; charset=utf-8")
                        .setData(ByteString.copyFromUtf8("increment"))))));
        m.put("actor-ask", frame(Frame.newBuilder().setActorAsk(ActorAsk.newBuilder()
                .setRequestId(8).setActorId("a-1").setMessage(Payload.newBuilder()
                        .setContentType("application/octet-stream").setData(ByteString.copyFrom(new byte[] {0, 1, -1}))))));
        m.put("actor-stop", frame(Frame.newBuilder().setActorStop(ActorStop.newBuilder()
                .setRequestId(9).setActorId("a-1"))));
        // The example of PROTOCOL.md §2: on the wire 04 5a 02 08 01.
        m.put("heartbeat", frame(Frame.newBuilder().setHeartbeat(Heartbeat.newBuilder().setSequence(1))));
        m.put("heartbeat-echo", frame(Frame.newBuilder().setHeartbeat(Heartbeat.newBuilder()
                .setSequence(300).setEcho(true))));
        m.put("output", frame(Frame.newBuilder().setOutput(Output.newBuilder()
                .setStream(Output.Stream.STDOUT).setData(ByteString.copyFromUtf8("adding 2 and 3 \u2192 5\n")))));
        m.put("shutdown", frame(Frame.newBuilder().setShutdown(Shutdown.newBuilder()
                .setGraceful(true).setGraceMillis(5000).setReason("pool closed"))));
        m.put("exit-notice", frame(Frame.newBuilder().setExitNotice(ExitNotice.newBuilder()
                .setExitCode(143).setSignal(15).setReason("terminated by SIGTERM"))));
        m.put("protocol-error", frame(Frame.newBuilder().setProtocolError(ProtocolError.newBuilder()
                .setCode(ErrorCode.VERSION_MISMATCH).setMessage("worker speaks protocol 2..3, runtime speaks 1..1"))));
        m.put("value-every-kind", everyKind());
        return m;
    }

    private static Message frame(Frame.Builder b) {
        return b.build();
    }

    private static Batch batch() {
        return Batch.newBuilder().setFunction("square")
                .addArguments(valuePayload(int64(1))).addArguments(valuePayload(int64(2)))
                .addArguments(valuePayload(Value.newBuilder().setStringValue("three").build())).build();
    }

    private static BatchResult batchResult() {
        return BatchResult.newBuilder()
                .addOutcomes(Outcome.newBuilder().setValue(valuePayload(int64(1))))
                .addOutcomes(Outcome.newBuilder().setValue(valuePayload(int64(4))))
                .addOutcomes(Outcome.newBuilder().setError(RemoteError.newBuilder().setCode(ErrorCode.TASK_FAILED)
                        .setType("TypeError").setMessage("can't multiply sequence by non-int of type 'str'")
                        .setWorkerId("w-1")))
                .build();
    }

    /** A Value holding each kind once (and null, which is no kind). */
    private static Value everyKind() {
        MapValue map = MapValue.newBuilder()
                .addEntries(MapEntry.newBuilder().setKey("null").setValue(Value.getDefaultInstance()))
                .addEntries(MapEntry.newBuilder().setKey("bool").setValue(Value.newBuilder().setBoolValue(true)))
                .addEntries(MapEntry.newBuilder().setKey("int32").setValue(Value.newBuilder().setInt32Value(-42)))
                .addEntries(MapEntry.newBuilder().setKey("int64").setValue(int64(-9007199254740993L)))
                .addEntries(MapEntry.newBuilder().setKey("float").setValue(Value.newBuilder().setFloatValue(1.5f)))
                .addEntries(MapEntry.newBuilder().setKey("double").setValue(Value.newBuilder().setDoubleValue(-0.125)))
                .addEntries(MapEntry.newBuilder().setKey("string").setValue(
                        Value.newBuilder().setStringValue("h\u00e9llo \u4e16\u754c")))
                .addEntries(MapEntry.newBuilder().setKey("bytes").setValue(
                        Value.newBuilder().setBytesValue(ByteString.copyFrom(new byte[] {0, 127, -128, -1}))))
                .addEntries(MapEntry.newBuilder().setKey("empty list").setValue(
                        Value.newBuilder().setListValue(ListValue.getDefaultInstance())))
                .addEntries(MapEntry.newBuilder().setKey("empty map").setValue(
                        Value.newBuilder().setMapValue(MapValue.getDefaultInstance())))
                .build();
        return list(Value.newBuilder().setMapValue(map).build(), int64(0), int64(Long.MAX_VALUE));
    }

    private static Value int64(long v) {
        return Value.newBuilder().setInt64Value(v).build();
    }

    private static Value list(Value... values) {
        return Value.newBuilder().setListValue(ListValue.newBuilder().addAllValues(List.of(values))).build();
    }

    private static Payload valuePayload(Value v) {
        return Payload.newBuilder().setContentType("application/x-procwire-value").setData(v.toByteString()).build();
    }

    /** The bytes of {@code <name>.bin}: the length-delimited wire form. */
    public static byte[] wire(Message message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            message.writeDelimitedTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The text of {@code <name>.txtpb}: a header naming the message type, then text format. */
    public static String text(Message message) {
        String file = message.getDescriptorForType().getFile().getName();
        return "# proto-file: " + file + "\n"
                + "# proto-message: " + message.getDescriptorForType().getFullName() + "\n"
                + "# Golden data written by dev.procwire.proto.golden.GoldenFrames: do not edit by hand (see\n"
                + "# proto/testdata/README.md). The .bin file beside this one holds the same message on the wire.\n"
                + TextFormat.printer().printToString(message);
    }

    /** Writes every golden file into {@code dir}. */
    public static void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, Message> e : all().entrySet()) {
            Files.write(dir.resolve(e.getKey() + ".bin"), wire(e.getValue()));
            Files.writeString(dir.resolve(e.getKey() + ".txtpb"), text(e.getValue()), StandardCharsets.UTF_8);
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: GoldenFrames <proto/testdata folder>");
            System.exit(2);
        }
        write(Path.of(args[0]));
        System.out.println("wrote " + all().size() + " golden messages to " + args[0]);
    }
}
