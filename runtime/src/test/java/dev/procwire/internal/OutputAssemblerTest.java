package dev.procwire.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.procwire.OutputLine;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutputAssemblerTest {
    @Test
    void chunksSplitAnywhereMakeTheSameLines() {
        byte[] text = "first line\r\nsecond ünïcode\n\nlast without break".getBytes(StandardCharsets.UTF_8);
        for (int cut = 0; cut <= text.length; cut++) {
            List<String> lines = new ArrayList<>();
            OutputAssembler a = new OutputAssembler("w", 1, OutputLine.Stream.STDOUT, l -> lines.add(l.text()));
            a.add(text, 0, cut);
            a.add(text, cut, text.length - cut);
            a.finish();
            assertEquals(List.of("first line", "second ünïcode", "", "last without break"), lines, "cut at " + cut);
        }
    }
}
