"""Type 1 font ids that do not depend on what a LibreOffice process converted before.

LibreOffice embeds a CFF-based font (Noto Sans CJK, say) as a Type 1 subset and gives it a /UniqueID
from a counter that lives as long as its process (4100000, 4100001, ...). The same Word file converted
by a worker that had already converted two other documents gets other bytes than when converted by a
fresh one, so a one-document rebuild and a full build would disagree, and so would two full builds whose
workers shared the documents out differently. The id is written twice: in the font's clear-text part and
in its Private dictionary, which is eexec-encrypted (Adobe Type 1 Font Format, ch. 7).

`font_id_edits` gives normalize.py the byte edits that replace both with an id drawn from the font
program itself (the same subset, the same id; two subsets, two ids with near certainty), inside Adobe's
range for private use (4000000-4999999), with as many digits as before so no length inside the font
changes; the stream is compressed again and its /Length object set.
"""

from __future__ import annotations

import hashlib
import re
import zlib

_FONT_FILE = re.compile(rb"\n\d+ 0 obj\n<</Length (\d+) 0 R/Filter/FlateDecode/Length1 (\d+)/Length2 (\d+)"
                        rb"/Length3 \d+>>\nstream\n")
_UNIQUE_ID = re.compile(rb"/UniqueID (\d{7}) def")
_EEXEC_KEY = 55665


def _decrypt(data: bytes) -> bytes:
    r, out = _EEXEC_KEY, bytearray(len(data))
    for i, c in enumerate(data):
        out[i] = c ^ (r >> 8)
        r = ((c + r) * 52845 + 22719) & 0xFFFF
    return bytes(out)


def _encrypt(plain: bytes) -> bytes:
    r, out = _EEXEC_KEY, bytearray(len(plain))
    for i, p in enumerate(plain):
        c = p ^ (r >> 8)
        out[i] = c
        r = ((c + r) * 52845 + 22719) & 0xFFFF
    return bytes(out)


def length_object(data: bytes, number: bytes) -> re.Match | None:
    """The indirect object `number` holding a stream's /Length, as LibreOffice writes it (group 1: the value)."""
    return re.compile(rb"\n" + number + rb" 0 obj\n(\d+)\nendobj").search(data)


def font_id_edits(data: bytes) -> list[tuple[int, int, bytes]]:
    """(start, end, replacement) edits of `data` (a PDF as LibreOffice writes it) for every embedded
    Type 1 font whose /UniqueID is set; fonts of another shape are left as they are."""
    edits = []
    for font in _FONT_FILE.finditer(data):
        length = length_object(data, font.group(1))
        if length is None:
            continue
        start, clear_len, private_len = font.end(), int(font.group(2)), int(font.group(3))
        try:
            program = zlib.decompress(data[start:start + int(length.group(1))])
        except zlib.error:
            continue
        clear, private = program[:clear_len], _decrypt(program[clear_len:clear_len + private_len])
        if not _UNIQUE_ID.search(clear):
            continue
        blank = _UNIQUE_ID.sub(b"/UniqueID def", clear) + _UNIQUE_ID.sub(b"/UniqueID def", private)
        digest = int.from_bytes(hashlib.sha256(blank + program[clear_len + private_len:]).digest()[:8], "big")
        new_id = b"/UniqueID %d def" % (4000000 + digest % 1000000)
        program = (_UNIQUE_ID.sub(new_id, clear) + _encrypt(_UNIQUE_ID.sub(new_id, private))
                   + program[clear_len + private_len:])
        packed = zlib.compress(program, 9)
        edits.append((start, start + int(length.group(1)), packed))
        edits.append((length.start(1), length.end(1), str(len(packed)).encode()))
    return edits
