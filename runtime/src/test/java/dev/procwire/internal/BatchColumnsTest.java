package dev.procwire.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.procwire.codec.Codecs;
import dev.procwire.proto.v1.Column;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchColumnsTest {
    @Test
    void valuesOfOneColumnKindRoundTrip() throws Exception {
        for (List<?> values : List.of(List.of(1, -2, Integer.MAX_VALUE, Integer.MIN_VALUE),
                List.of(0L, -1L, Long.MAX_VALUE, Long.MIN_VALUE), List.of(0.5, -0.0, Double.NaN, 1e300),
                List.of("", "a", "\u00e9\u6f22\ud83d\ude00"))) {
            Column column = BatchColumns.encode(values);
            assertEquals(values.size(), BatchColumns.size(column));
            Column reparsed = Column.parseFrom(column.toByteArray());
            assertEquals(values, BatchColumns.decode(reparsed));
        }
    }

    @Test
    void mixedKindsNullsOtherTypesAndEmptyListsMakeNoColumn() {
        assertNull(BatchColumns.encode(List.of(1, 2L)));
        assertNull(BatchColumns.encode(Arrays.asList(1, null)));
        assertNull(BatchColumns.encode(Arrays.asList((Object) null)));
        assertNull(BatchColumns.encode(List.of(true, false)));
        assertNull(BatchColumns.encode(List.of(1.5f)));
        assertNull(BatchColumns.encode(List.of()));
    }

    @Test
    void aColumnWithNoKindHasNoElements() {
        assertEquals(0, BatchColumns.size(Column.getDefaultInstance()));
        assertEquals(List.of(), BatchColumns.decode(Column.getDefaultInstance()));
    }

    @Test
    void onlyValuesTheBuiltInCodecWouldEncodeAreColumned() {
        assertEquals(true, Codecs.builtInEncodes(1));
        assertEquals(false, Codecs.builtInEncodes(new Object()));
    }
}
