"""Copying objects out of a PDF byte for byte: references rewritten, strings and streams left alone."""

from __future__ import annotations

import io
import zlib

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject

from pipeline.pdf.pdfwriter import ObjectWriter, pdf_text_string
from pipeline.pdf.rawpdf import NotPlain, RawPdf, ref, rewrite_refs, value


def plain_pdf(objects: dict[int, bytes], root: int) -> bytes:
    """A classic-table PDF of the given object bodies (text after "N 0 obj")."""
    out, offsets = [b"%PDF-1.6\n"], {}
    for number in sorted(objects):
        offsets[number] = sum(map(len, out))
        out.append(b"%d 0 obj" % number + objects[number] + b"\n")
    xref = sum(map(len, out))
    size = max(objects) + 1
    out.append(b"xref\n0 %d\n0000000000 65535 f \n" % size)
    out += [b"%010d 00000 n \n" % offsets[n] if n in offsets else b"0000000000 65535 f \n" for n in range(1, size)]
    out.append(b"trailer\n<</Size %d/Root %d 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (size, root, xref))
    return b"".join(out)


def test_references_are_rewritten_but_not_inside_strings_or_names():
    head = (b"\n<</Title(see 7 0 R \\) and (nested 8 0 R) stream)/Name/Ref7/Kids[7 0 R 12 0 R]/F1 9 0 R"
            b"/Note<FEFF0037>% a comment 5 0 R\n/P 3 0 R>>\nendobj")
    text, after = rewrite_refs(head, lambda n: b"%d 0 R" % (n + 100))
    assert after is None
    assert text == (b"\n<</Title(see 7 0 R \\) and (nested 8 0 R) stream)/Name/Ref7/Kids[107 0 R 112 0 R]/F1 109 0 R"
                    b"/Note<FEFF0037>% a comment 5 0 R\n/P 103 0 R>>\n")


def test_stream_data_is_never_touched():
    data = b"BT (1 0 R) Tj 2 0 R endobj ET"
    raw = RawPdf(plain_pdf({1: b"\n<</Type/Catalog/Pages 2 0 R>>\nendobj",
                            2: b"\n<</Type/Pages/Kids[3 0 R]/Count 1>>\nendobj",
                            3: b"\n<</Type/Page/Parent 2 0 R/Contents 4 0 R>>\nendobj",
                            4: b"\n<</Length 5 0 R>>\nstream\n" + data + b"\nendstream\nendobj",
                            5: b" %d\nendobj" % len(data)}, 1))
    writer = ObjectWriter()
    mapping = writer.copy(raw, [3], {})
    assert mapping == {3: 1, 2: 2, 4: 3, 5: 4}  # breadth first, in the order references appear
    assert writer.objects[3] == b"\n<</Length 4 0 R>>\nstream\n" + data + b"\nendstream\nendobj"
    assert raw.stream_data(4) == data
    assert ref(raw.catalog(), b"/Pages") == 2 and value(raw.body(2), b"/Count") == b"1"


def test_value_reads_only_the_dictionarys_own_keys():
    catalog = (b"<</Type/Outlines/ViewerPreferences<</Pages 9 0 R>>/Lang(en-GB /Pages 8 0 R)/Names[/Pages 7 0 R]"
               b"/Pages 2 0 R/PagesX 4 0 R>>")
    assert ref(catalog, b"/Pages") == 2
    assert value(catalog, b"/Lang") == b"(en-GB /Pages 8 0 R)" and value(catalog, b"/Outlines") is None
    assert value(catalog, b"/Type") == b"/Outlines"


def test_flate_streams_are_inflated():
    xml = b"<x:xmpmeta><pdfaid:part>2</pdfaid:part></x:xmpmeta>"
    packed = zlib.compress(xml)
    raw = RawPdf(plain_pdf({1: b"\n<</Type/Catalog/Metadata 2 0 R>>\nendobj",
                            2: b"\n<</Type/Metadata/Filter/FlateDecode/Length %d>>\nstream\r\n" % len(packed)
                            + packed + b"\r\nendstream\nendobj"}, 1))
    assert raw.stream_data(2) == xml


def test_an_updated_file_is_rewritten_plain_first(tmp_path):
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_metadata({"/Title": "first"})
    original = io.BytesIO()
    writer.write(original)
    updated = PdfWriter(io.BytesIO(original.getvalue()), incremental=True)  # appends a second table
    updated._info[NameObject("/Title")] = TextStringObject("second")
    path = tmp_path / "updated.pdf"
    with open(path, "wb") as fh:
        updated.write(fh)
    with pytest.raises(NotPlain):  # pypdf appends a cross-reference stream
        RawPdf(path.read_bytes())
    raw = RawPdf.read(path)
    assert ref(raw.catalog(), b"/Pages") is not None
    assert len(PdfReader(io.BytesIO(raw.data)).pages) == 1


@pytest.mark.parametrize("text, expected", [("A-", b"(A-)"), ("a (b) \\", b"(a \\(b\\) \\\\)"),
                                            ("香港", b"<FEFF99996E2F>")])
def test_text_strings(text, expected):
    assert pdf_text_string(text) == expected


def test_a_classic_table_with_an_earlier_one_is_not_plain():
    data = plain_pdf({1: b"\n<</Type/Catalog>>\nendobj"}, 1).replace(b"/Root 1 0 R>>", b"/Root 1 0 R/Prev 9>>")
    with pytest.raises(NotPlain, match="updated"):
        RawPdf(data)


def test_an_object_missing_from_the_table_is_not_plain():
    raw = RawPdf(plain_pdf({1: b"\n<</Type/Catalog/Pages 2 0 R>>\nendobj"}, 1))
    with pytest.raises(NotPlain, match="object 2 is not in the table"):
        raw.body(2)
