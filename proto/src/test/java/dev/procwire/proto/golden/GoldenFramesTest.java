package dev.procwire.proto.golden;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import dev.procwire.proto.v1.Batch;
import dev.procwire.proto.v1.BatchResult;
import dev.procwire.proto.v1.Frame;
import dev.procwire.proto.v1.Value;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Checks proto/testdata: every .bin decodes to what its .txtpb says and re-encodes to the same
 * bytes, every Frame body kind is covered, and the files are what {@link GoldenFrames} writes.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GoldenFramesTest {
    private static final Pattern MESSAGE_HEADER = Pattern.compile("^# proto-message: (\\S+)$", Pattern.MULTILINE);
    private static final Map<String, Message> PROTOTYPES = Map.of(
            "procwire.v1.Frame", Frame.getDefaultInstance(),
            "procwire.v1.Value", Value.getDefaultInstance(),
            "procwire.v1.Batch", Batch.getDefaultInstance(),
            "procwire.v1.BatchResult", BatchResult.getDefaultInstance());
    private static final String REGENERATE = "mvn -pl proto test -Dtest=GoldenFramesTest -Dprocwire.golden.write=true";

    static Path testdata() {
        // Surefire runs in the module folder; an IDE may run in the repository root.
        Path here = Path.of("testdata");
        return Files.isDirectory(here) ? here : Path.of("proto", "testdata");
    }

    private static Set<String> names(String extension) throws IOException {
        Set<String> names = new TreeSet<>();
        try (Stream<Path> files = Files.list(testdata())) {
            files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(extension))
                    .forEach(n -> names.add(n.substring(0, n.length() - extension.length())));
        }
        return names;
    }

    private static Message parseText(String name) throws IOException {
        String text = Files.readString(testdata().resolve(name + ".txtpb"), StandardCharsets.UTF_8);
        Matcher m = MESSAGE_HEADER.matcher(text);
        if (!m.find() || !PROTOTYPES.containsKey(m.group(1))) {
            fail(name + ".txtpb has no '# proto-message: <type>' line naming one of " + PROTOTYPES.keySet());
        }
        Message.Builder b = PROTOTYPES.get(m.group(1)).newBuilderForType();
        TextFormat.getParser().merge(text, b);
        return b.build();
    }

    /** The message of a .bin file: one length prefix, then exactly that many body bytes. */
    private static Message parseWire(String name, Message prototype) throws IOException {
        byte[] bytes = Files.readAllBytes(testdata().resolve(name + ".bin"));
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        int length = in.readRawVarint32();
        assertEquals(bytes.length - in.getTotalBytesRead(), length, name + ".bin: length prefix vs. body size");
        return prototype.getParserForType().parseFrom(in.readRawBytes(length));
    }

    @Test
    void everyBinaryDecodesToItsTextFormAndReencodesByteForByte() throws IOException {
        Set<String> bins = names(".bin");
        assertEquals(bins, names(".txtpb"), "every .bin needs a .txtpb beside it and the other way round");
        assertTrue(bins.size() >= 20, "testdata holds only " + bins.size() + " golden files");
        for (String name : bins) {
            Message expected = parseText(name);
            Message decoded = parseWire(name, expected.getDefaultInstanceForType());
            assertEquals(expected, decoded, name + ".bin does not decode to " + name + ".txtpb");
            assertArrayEquals(Files.readAllBytes(testdata().resolve(name + ".bin")), GoldenFrames.wire(decoded),
                    name + ".bin does not re-encode byte for byte");
        }
    }

    @Test
    void everyFrameBodyKindHasAGoldenFrame() throws IOException {
        Set<Frame.BodyCase> seen = EnumSet.noneOf(Frame.BodyCase.class);
        for (String name : names(".txtpb")) {
            if (parseText(name) instanceof Frame f) {
                seen.add(f.getBodyCase());
            }
        }
        Set<Frame.BodyCase> all = EnumSet.allOf(Frame.BodyCase.class);
        all.remove(Frame.BodyCase.BODY_NOT_SET);
        all.removeAll(seen);
        assertEquals(Set.of(), all, "Frame bodies without a golden frame");
    }

    @Test
    void filesAreWhatTheGeneratorWrites() throws IOException {
        Map<String, Message> golden = GoldenFrames.all();
        assertEquals(new TreeSet<>(golden.keySet()), names(".bin"),
                "proto/testdata and GoldenFrames list different messages; regenerate deliberately: " + REGENERATE);
        for (Map.Entry<String, Message> e : golden.entrySet()) {
            assertArrayEquals(GoldenFrames.wire(e.getValue()), Files.readAllBytes(testdata().resolve(e.getKey() + ".bin")),
                    e.getKey() + ".bin differs from GoldenFrames; if the change is intended: " + REGENERATE);
            assertEquals(GoldenFrames.text(e.getValue()),
                    Files.readString(testdata().resolve(e.getKey() + ".txtpb"), StandardCharsets.UTF_8),
                    e.getKey() + ".txtpb differs from GoldenFrames; if the change is intended: " + REGENERATE);
        }
    }

    @Test
    void heartbeatIsTheExampleOfTheSpec() throws IOException {
        assertArrayEquals(new byte[] {0x04, 0x5a, 0x02, 0x08, 0x01}, Files.readAllBytes(testdata().resolve("heartbeat.bin")));
    }

    /** Writes the files, before the checks run; only when asked to (see GoldenFrames). */
    @Test
    @Order(0)
    @EnabledIfSystemProperty(named = "procwire.golden.write", matches = "true")
    void regenerate() throws IOException {
        GoldenFrames.write(testdata());
    }
}
