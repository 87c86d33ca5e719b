package dev.procwire.internal;

import java.io.Serializable;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.RandomAccess;

/**
 * An unmodifiable, random-access list kept in arrays of at most {@link #SEGMENT} elements, for
 * lists of hundreds of thousands of results: one array that long is a humongous object to G1
 * (half a heap region or more: 131,072 references with 1 MiB regions), allocated straight into
 * the old generation and, in Java 17, not freed by a young collection. Until the next marking
 * cycle it keeps every object it referenced alive, so a young collection copies and promotes them
 * too: maps of 200,000 items returned in one {@code ArrayList} each made young pauses of 50-90 ms
 * that promoted about 100 MB each; in segments the pauses were 2-15 ms and the heap after each
 * collection 21-32 MB. Internal.
 *
 * @param <E> the element type
 */
public final class SegmentedList<E> extends AbstractList<E> implements RandomAccess, Serializable {
    private static final long serialVersionUID = 1L;

    /** Elements per segment: 128 KiB of compressed references, far below any region's half. */
    static final int SEGMENT = 1 << 15;

    private final Object[][] segments;
    private final int size;

    private SegmentedList(Object[][] segments, int size) {
        this.segments = segments;
        this.size = size;
    }

    @Override
    @SuppressWarnings("unchecked")
    public E get(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("index " + index + " of a list of " + size);
        }
        return (E) segments[index / SEGMENT][index % SEGMENT];
    }

    @Override
    public int size() {
        return size;
    }

    /** Serialized as the JDK's unmodifiable list of the same elements: no internal class on the wire. */
    private Object writeReplace() {
        return Collections.unmodifiableList(new ArrayList<>(this));
    }

    /** The elements of {@code items}, in order. */
    public static <E> SegmentedList<E> copyOf(Iterable<? extends E> items) {
        Builder<E> builder = new Builder<>(16);
        items.forEach(builder::add);
        return builder.build();
    }

    /** Appends elements, then makes the list. Not thread safe. */
    public static final class Builder<E> {
        private final int expected;
        private Object[][] segments;
        private int size;

        /** @param expected how many elements are expected (a hint: more may be added) */
        public Builder(int expected) {
            this.expected = Math.max(0, expected);
            segments = new Object[Math.max(1, (this.expected + SEGMENT - 1) / SEGMENT)][];
        }

        public Builder<E> add(E element) {
            int s = size / SEGMENT;
            int at = size % SEGMENT;
            if (s == segments.length) {
                segments = Arrays.copyOf(segments, s * 2);
            }
            Object[] segment = segments[s];
            if (segment == null) { // sized to what is still expected, as an ArrayList would be
                segment = segments[s] = new Object[Math.min(SEGMENT, Math.max(16, expected - size))];
            } else if (at == segment.length) {
                segment = segments[s] = Arrays.copyOf(segment, Math.min(SEGMENT, segment.length * 2));
            }
            segment[at] = element;
            size++;
            return this;
        }

        /** The list of what was added; the builder must not be used after. */
        public SegmentedList<E> build() {
            int used = (size + SEGMENT - 1) / SEGMENT;
            SegmentedList<E> list = new SegmentedList<>(used == segments.length ? segments : Arrays.copyOf(segments, used), size);
            segments = null;
            return list;
        }
    }
}
