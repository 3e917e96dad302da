"""Test helpers: an independent safetensors reader (numpy only) and temporary folders.

Imported first by every test module: where lsmi_lens is not installed, the source tree beside
this folder is used (an installed lsmi_lens wins).
"""

import importlib.util
import json
import os
import shutil
import struct
import sys
import tempfile
import unittest

if importlib.util.find_spec("lsmi_lens") is None:
    sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np

try:
    import torch
except ImportError:  # the torch tests skip, and say why
    torch = None

needs_torch = unittest.skipIf(torch is None, "PyTorch is not installed in this Python")

NP = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
      "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1", "BOOL": "?", "BF16": "<u2"}


def read_safetensors(path):
    """{name: (dtype code, array)} and the metadata; BF16 arrays are their uint16 bit patterns.
    Also checks what the TypeScript reader checks: 8-byte header padding, exact tiling."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    assert (8 + n) % 8 == 0, "header not padded to 8 bytes"
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    meta = {k: json.loads(v) for k, v in header.pop("__metadata__", {}).items()}
    out, spans = {}, []
    for name, e in header.items():
        b, end = e["data_offsets"]
        spans.append((b, end))
        out[name] = (e["dtype"], np.frombuffer(data[b:end], dtype=NP[e["dtype"]]).reshape(e["shape"]))
    cursor = 0
    for b, end in sorted(spans):
        assert b == cursor, "gap or overlap in the data section"
        cursor = end
    assert cursor == len(data), "bytes after the last tensor"
    return out, meta


def bf16_to_f32(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


class TempDir(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="lsmi-py-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)
