"""proto/testdata, read with Python's protobuf: every .bin decodes to its .txtpb and re-encodes
byte for byte (the Java side checks the same in GoldenFramesTest)."""
import os
import re
import unittest

import driver  # noqa: F401 - puts procwire_worker on sys.path
from google.protobuf import text_format
from procwire_worker import framing
from procwire_worker.protos import pb, vpb

TESTDATA = os.environ.get("PROCWIRE_TESTDATA") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "proto", "testdata")
TYPES = {"procwire.v1.Frame": pb.Frame, "procwire.v1.Batch": pb.Batch,
         "procwire.v1.BatchResult": pb.BatchResult, "procwire.v1.Value": vpb.Value}
HEADER = re.compile(r"^# proto-message: (\S+)$", re.MULTILINE)


def names(extension):
    return sorted(n[:-len(extension)] for n in os.listdir(TESTDATA) if n.endswith(extension))


def read(name, extension, mode="rb"):
    with open(os.path.join(TESTDATA, name + extension), mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
        return f.read()


def from_text(name):
    text = read(name, ".txtpb", "r")
    m = HEADER.search(text)
    if not m or m.group(1) not in TYPES:
        raise AssertionError(f"{name}.txtpb has no '# proto-message: <type>' line naming one of {sorted(TYPES)}")
    return text_format.Parse(text, TYPES[m.group(1)]())


def from_wire(name, cls):
    data = read(name, ".bin")
    length, pos = 0, 0
    for shift in range(0, 35, 7):
        byte = data[pos]
        pos += 1
        length |= (byte & 0x7F) << shift
        if byte < 0x80:
            break
    if length != len(data) - pos:
        raise AssertionError(f"{name}.bin: the prefix says {length} bytes, {len(data) - pos} follow")
    return cls.FromString(data[pos:])


class GoldenFramesTest(unittest.TestCase):
    def test_every_binary_decodes_to_its_text_form_and_reencodes_byte_for_byte(self):
        bins = names(".bin")
        self.assertEqual(bins, names(".txtpb"), "every .bin needs a .txtpb beside it and the other way round")
        self.assertGreaterEqual(len(bins), 20)
        for name in bins:
            with self.subTest(name):
                expected = from_text(name)
                decoded = from_wire(name, type(expected))
                self.assertEqual(expected, decoded, f"{name}.bin does not decode to {name}.txtpb")
                self.assertEqual(read(name, ".bin"), framing.delimited(decoded),
                                 f"{name}.bin does not re-encode byte for byte")

    def test_every_frame_body_kind_has_a_golden_frame(self):
        seen = {from_text(n).WhichOneof("body") for n in names(".txtpb") if isinstance(from_text(n), pb.Frame)}
        self.assertEqual({f.name for f in pb.Frame.DESCRIPTOR.oneofs_by_name["body"].fields}, seen)

    def test_the_worker_reads_golden_frames_as_frames(self):
        # The worker's own reader, not just the library: prefix and body as on the wire.
        r, w = os.pipe()
        try:
            os.write(w, read("heartbeat", ".bin") + read("submit", ".bin"))
            os.close(w)
            reader = framing.FrameReader(r)
            self.assertEqual(b"\x5a\x02\x08\x01", reader.read_body())
            self.assertEqual(from_text("submit"), pb.Frame.FromString(reader.read_body()))
            self.assertIsNone(reader.read_body())
        finally:
            os.close(r)

    def test_values_decode_to_python_data(self):
        from procwire_worker import payloads
        value = payloads.from_value(from_wire("value-every-kind", vpb.Value))
        self.assertEqual([{"null": None, "bool": True, "int32": -42, "int64": -9007199254740993, "float": 1.5,
                           "double": -0.125, "string": "h\u00e9llo \u4e16\u754c", "bytes": b"\0\x7f\x80\xff",
                           "empty list": [], "empty map": {}}, 0, 2 ** 63 - 1], value)


if __name__ == "__main__":
    unittest.main()
