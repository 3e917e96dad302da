"""Backward-compatible name of lsmi_lens's dump writer: `from lsmi_dump import write_dump`.

New code: `pip install ./integrations/python` (see the README), then `from lsmi_lens import
write_dump`. Without installing, lsmi_lens/dump.py is self-contained (numpy only): copy it next
to your training script as lsmi_dump.py.
"""

from lsmi_lens.dump import atomic_write, encode_dump, write_dump

__all__ = ["write_dump", "encode_dump", "atomic_write"]
