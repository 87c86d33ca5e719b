package dev.procwire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Batches whose arguments and results travel as columns (PROTOCOL.md §5.2), through a real pool. */
class BatchColumnsPoolTest {
    static final ProcessPool POOL = ProcessPool.builder().processes(2).build();

    @AfterAll
    static void close() {
        POOL.close();
    }

    /** Integer in, Long out: both columns. */
    static final class SquareLong implements Task<Integer, Long> {
        @Override
        public Long call(Integer x) {
            return (long) x * x;
        }
    }

    /** Fails on multiples of 7, answers strings otherwise: an outcome per call comes back. */
    static final class SevenFails implements Task<Integer, String> {
        @Override
        public String call(Integer x) {
            if (x % 7 == 0) {
                throw new IllegalArgumentException("no multiples of 7: " + x);
            }
            return "n" + x;
        }
    }

    /** Returns its argument's kind, whatever came: a column element must decode as its Value would. */
    static final class KindOf implements Task<Object, String> {
        @Override
        public String call(Object x) {
            return x == null ? "null" : x.getClass().getSimpleName() + ":" + x;
        }
    }

    /** Results of several kinds: the worker must answer with outcomes. */
    static final class Mixed implements Task<Integer, Object> {
        @Override
        public Object call(Integer x) {
            return x % 2 == 0 ? (Object) x : (Object) ("s" + x);
        }
    }

    @Test
    void integersInAndLongsOutMatchTheOneByOneResults() {
        List<Integer> items = IntStream.range(0, 10_000).boxed().toList();
        List<Long> expected = items.stream().map(x -> (long) x * x).toList();
        assertEquals(expected, POOL.map(SquareLong.class, items));
        assertEquals(expected, POOL.map(SquareLong.class, items, 1_000));
        List<Long> viaImap = new ArrayList<>();
        POOL.imap(SquareLong.class, items, 333).forEachRemaining(viaImap::add);
        assertEquals(expected, viaImap);
    }

    @Test
    void aFailingCallFailsOnlyItsOwnItem() {
        List<Integer> items = IntStream.range(1, 30).boxed().toList();
        var results = POOL.imap(SevenFails.class, items, 10);
        for (int x : items) {
            if (x % 7 == 0) {
                RemoteException e = assertThrows(RemoteException.class, results::next);
                assertTrue(e.getMessage().contains("no multiples of 7: " + x), e.getMessage());
            } else {
                assertEquals("n" + x, results.next());
            }
        }
    }

    @Test
    void everyColumnKindArrivesAsItsValueWould() {
        assertEquals(List.of("Integer:1", "Integer:2", "Integer:3"), POOL.map(KindOf.class, List.of(1, 2, 3), 3));
        assertEquals(List.of("Long:1", "Long:2"), POOL.map(KindOf.class, List.of(1L, 2L), 2));
        assertEquals(List.of("Double:1.5", "Double:-0.0"), POOL.map(KindOf.class, List.of(1.5, -0.0), 2));
        assertEquals(List.of("String:a", "String:", "String:\u00e9\u6f22"),
                POOL.map(KindOf.class, List.of("a", "", "\u00e9\u6f22"), 3));
        // mixed kinds and nulls go one Payload each, and still arrive as they were
        assertEquals(List.of("Integer:1", "Long:2", "null", "String:x"),
                POOL.map(KindOf.class, Arrays.asList(1, 2L, null, "x"), 4));
        assertEquals(List.of(0, "s1", 2, "s3"), POOL.map(Mixed.class, List.of(0, 1, 2, 3), 4));
    }
}
