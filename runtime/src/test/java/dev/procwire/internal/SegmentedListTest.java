package dev.procwire.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.RandomAccess;
import org.junit.jupiter.api.Test;

/** {@link SegmentedList} is an ordinary read-only list whatever the number of its segments. */
class SegmentedListTest {

    private static List<Integer> upTo(int n) {
        List<Integer> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(i);
        }
        return list;
    }

    @Test
    void holdsItsElementsInOrderAcrossSegmentsWhateverSizeWasExpected() {
        int seg = SegmentedList.SEGMENT;
        for (int n : new int[] {0, 1, 17, seg - 1, seg, seg + 1, 3 * seg + 5}) {
            for (int expected : new int[] {0, n / 2, n, 2 * n + 1}) {
                SegmentedList.Builder<Integer> builder = new SegmentedList.Builder<>(expected);
                upTo(n).forEach(builder::add);
                SegmentedList<Integer> list = builder.build();
                assertEquals(upTo(n), list, n + " elements, " + expected + " expected");
                assertEquals(n, list.size());
            }
        }
    }

    @Test
    void copiesAnyIterable() {
        Iterable<Integer> items = () -> upTo(100_000).iterator(); // not a collection: no size known
        assertEquals(upTo(100_000), SegmentedList.copyOf(items));
    }

    @Test
    void isRandomAccessAndUnmodifiable() {
        SegmentedList<Integer> list = SegmentedList.copyOf(upTo(10));
        assertTrue(list instanceof RandomAccess);
        assertThrows(UnsupportedOperationException.class, () -> list.add(10));
        assertThrows(UnsupportedOperationException.class, () -> list.set(0, 1));
        assertThrows(UnsupportedOperationException.class, () -> list.remove(0));
    }

    @Test
    void refusesAnIndexOutsideTheList() {
        SegmentedList<Integer> list = SegmentedList.copyOf(upTo(SegmentedList.SEGMENT + 1));
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> list.get(list.size()));
        assertEquals("index " + list.size() + " of a list of " + list.size(), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> list.get(-1));
    }

    @Test
    void keepsNoArrayLongerThanASegment() throws Exception {
        SegmentedList<Integer> list = SegmentedList.copyOf(upTo(5 * SegmentedList.SEGMENT));
        java.lang.reflect.Field f = SegmentedList.class.getDeclaredField("segments");
        f.setAccessible(true);
        for (Object[] segment : (Object[][]) f.get(list)) {
            assertTrue(segment.length <= SegmentedList.SEGMENT, "a segment of " + segment.length);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void serializesAsAnUnmodifiableListOfTheSameElements() throws Exception {
        List<Integer> elements = new ArrayList<>(upTo(SegmentedList.SEGMENT + 3));
        elements.set(5, null);
        SegmentedList<Integer> list = SegmentedList.copyOf(elements);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(list);
        }
        Object back;
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
                new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            back = in.readObject();
        }
        assertEquals(elements, back);
        assertThrows(UnsupportedOperationException.class, () -> ((List<Object>) back).add(1));
    }
}
