"""Word redlines made in Python (pipeline/release/redline*.py), on small documents written here: what is
marked, where deleted content goes, what is left untouched, and legal's earlier tracked changes kept.
Each redline is read back twice: with every change accepted it must read as the new document, with every
change rejected as the old one. No LibreOffice."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from lxml import etree
from PIL import Image

from pipeline.release.redline import RedlineJob, make_redlines, redline
from tests.conftest import ooxml_check

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
WHEN = "2026-01-01T00:00:00Z"


def _docx(paragraphs_and_tables: list, picture: bytes | None = None) -> bytes:
    """A .docx of paragraphs (str) and tables (list of rows), in order; a picture paragraph where None is."""
    document = docx.Document()
    for item in paragraphs_and_tables:
        if isinstance(item, str):
            document.add_paragraph(item)
        elif item is None:
            document.add_picture(io.BytesIO(picture))
        else:
            table = document.add_table(rows=0, cols=len(item[0]))
            table.style = "Table Grid"
            for row in item:
                for cell, text in zip(table.add_row().cells, row):
                    cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _root(data: bytes):
    return etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))


def _view(root, side: str) -> list[str]:
    """Paragraph texts in order, with every tracked change accepted ("new") or rejected ("old")."""
    gone = W + ("del" if side == "new" else "ins")
    hidden = {W + "del"} if side == "new" else {W + "ins"}
    texts = []
    for p in root.iter(W + "p"):
        if any(tr.find(f"{W}trPr/{gone}") is not None for tr in p.iterancestors(W + "tr")):
            continue
        if p.find(f"{W}pPr/{W}rPr/{gone}") is not None:
            continue
        kinds = (W + "t",) if side == "new" else (W + "t", W + "delText")
        texts.append("".join(t.text or "" for t in p.iter(*kinds)
                             if not any(a.tag in hidden for a in t.iterancestors())))
    return texts


OLD = ["Introduction to the arrangement.", "The provider hosts the payments hub.", "A paragraph legal removed.",
       [["Id", "Risk", "Rating"], ["R1", "Outage", "Medium"], ["R2", "Lock-in", "Low"], ["R3", "Cost", "High"]],
       "Between the tables.", [["Trigger", "Type"], ["Insolvency", "Stressed"]], "The end."]
NEW = ["Introduction to the cloud arrangement.", "The provider hosts the payments hub.", "A new paragraph.",
       [["Id", "Risk", "Rating"], ["R1", "Outage", "Medium"], ["R2", "Lock-in", "Medium"], ["R4", "Skills", "Low"]],
       "Between the tables.", "The end."]


def _make(tmp_path: Path, old: bytes, new: bytes) -> tuple[Path, tuple[int, int]]:
    dest = tmp_path / "redline.docx"
    return dest, redline(old, new, dest, WHEN)


def test_marks_only_what_changed_and_reads_back_as_either_version(tmp_path):
    old, new = _docx(OLD), _docx(NEW)
    dest, (inserted, deleted) = _make(tmp_path, old, new)
    root = _root(dest.read_bytes())
    assert _view(root, "new") == _view(_root(new), "new")
    assert _view(root, "old") == _view(_root(old), "new")
    marks = list(root.iter(W + "ins", W + "del"))
    assert (inserted, deleted) == (sum(m.tag == W + "ins" for m in marks), sum(m.tag == W + "del" for m in marks))
    assert {m.get(W + "author") for m in marks} == {"regpack"} and {m.get(W + "date") for m in marks} == {WHEN}
    assert len({m.get(W + "id") for m in marks}) == len(marks)
    first = next(root.iter(W + "p"))                # a changed word: only "cloud " inserted
    assert ["".join(t.text for t in i.iter(W + "t")) for i in first.iter(W + "ins")] == ["cloud "]
    rows = {"".join(t.text for t in tr.iter(W + "t", W + "delText")): tr for tr in root.iter(W + "tr")}
    assert rows["R3CostHigh"].find(f"{W}trPr/{W}del") is not None
    assert rows["R4SkillsLow"].find(f"{W}trPr/{W}ins") is not None
    assert rows["InsolvencyStressed"].find(f"{W}trPr/{W}del") is not None   # its table is gone: kept, deleted
    for key in ("IdRiskRating", "R1OutageMedium"):                           # unchanged rows untouched
        assert not list(rows[key].iter(W + "ins", W + "del"))
    r2 = rows["R2Lock-inLowMedium"]
    assert r2.find(f"{W}trPr/{W}ins") is None and r2.find(f"{W}trPr/{W}del") is None
    assert ["".join(t.text for t in d.iter(W + "delText")) for d in r2.iter(W + "del")] == ["Low"]
    check = ooxml_check([dest])
    assert check is None or check.returncode == 0, check.stdout + check.stderr


def test_unchanged_paragraphs_are_left_byte_for_byte(tmp_path):
    new = _docx(NEW)
    dest, _ = _make(tmp_path, _docx(OLD), new)
    kept = [etree.tostring(p) for p in _root(dest.read_bytes()).iter(W + "p")
            if not list(p.iter(W + "ins", W + "del"))]
    for text in ("The provider hosts the payments hub.", "Between the tables.", "The end."):
        original = next(p for p in _root(new).iter(W + "p") if "".join(t.text or "" for t in p.iter(W + "t")) == text)
        assert etree.tostring(original) in kept


def _legal_edits(data: bytes) -> tuple[bytes, list[bytes]]:
    """The document with legal's own tracked changes in paragraph 2: "Formerly " deleted (moved into a
    w:del of its own), " Reviewed." inserted."""
    members = {n: zipfile.ZipFile(io.BytesIO(data)).read(n) for n in zipfile.ZipFile(io.BytesIO(data)).namelist()}
    root = etree.fromstring(members["word/document.xml"])
    p = list(root.iter(W + "p"))[1]
    run = p.find(W + "r")
    attrs = {W + "id": "901", W + "author": "Legal", W + "date": "2025-12-01T09:00:00Z"}
    ins = etree.SubElement(p, W + "ins", attrs)
    new_run = etree.SubElement(ins, W + "r")
    etree.SubElement(new_run, W + "t").text = " Reviewed."
    dele = etree.Element(W + "del", {**attrs, W + "id": "902"})
    gone = etree.SubElement(dele, W + "r")
    etree.SubElement(gone, W + "delText").text = "Formerly "
    run.addprevious(dele)
    members["word/document.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, blob in members.items():
            zf.writestr(name, blob)
    return out.getvalue(), [etree.tostring(ins), etree.tostring(dele)]


def test_legals_earlier_tracked_changes_stay_visible(tmp_path):
    """regpack wrote "Formerly The provider hosts the payments hub today."; legal deleted "Formerly " and
    added " Reviewed." as tracked changes. Against v1 only " today" is regpack's change."""
    old = _docx(OLD[:1] + ["Formerly The provider hosts the payments hub."] + OLD[2:])
    new, legal = _legal_edits(_docx(["Introduction to the arrangement.", "The provider hosts the payments hub today."]
                                     + OLD[2:]))
    dest, (inserted, deleted) = _make(tmp_path, old, new)
    root = _root(dest.read_bytes())
    theirs = [m for m in root.iter(W + "ins", W + "del") if m.get(W + "author") == "Legal"]
    assert sorted(etree.tostring(m) for m in theirs) == sorted(legal)       # exactly as legal left them
    assert not [m for m in theirs for inner in m.iter(W + "ins", W + "del") if inner is not m]
    ours = [m for m in root.iter(W + "ins", W + "del") if m.get(W + "author") == "regpack"]
    assert ["".join(t.text for t in m.iter(W + "t", W + "delText")).strip(" .") for m in ours] == ["today"]
    assert (inserted, deleted) == (1, 0)
    assert _view(root, "new")[1] == "The provider hosts the payments hub today. Reviewed."
    assert _view(root, "old")[1] == "Formerly The provider hosts the payments hub."     # v1, as sealed
    check = ooxml_check([dest])
    assert check is None or check.returncode == 0, check.stdout + check.stderr


def _png(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 10), colour).save(out, "PNG")
    return out.getvalue()


def test_a_replaced_picture_keeps_the_old_one_as_deleted(tmp_path):
    old, new = _docx(["Heat map:", None], _png("red")), _docx(["Heat map:", None], _png("blue"))
    dest, (inserted, deleted) = _make(tmp_path, old, new)
    package = zipfile.ZipFile(dest)
    root = etree.fromstring(package.read("word/document.xml"))
    rels = etree.fromstring(package.read("word/_rels/document.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels}
    blips = {m.tag: [b.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed")
                     for b in m.iter("{http://schemas.openxmlformats.org/drawingml/2006/main}blip")]
             for m in root.iter(W + "ins", W + "del") if m.getparent().tag == W + "p"}
    assert (inserted, deleted) == (1, 1)
    assert package.read("word/" + targets[blips[W + "del"][0]]) == _png("red")
    assert package.read("word/" + targets[blips[W + "ins"][0]]) == _png("blue")
    ids = [d.get("id") for d in root.iter(WP + "docPr")]
    assert len(set(ids)) == len(ids) == 2
    check = ooxml_check([dest])
    assert check is None or check.returncode == 0, check.stdout + check.stderr


def test_identical_documents_give_no_marks_and_an_unreadable_one_a_note(tmp_path):
    same = _docx(OLD)
    dest, counts = _make(tmp_path, same, same)
    assert counts == (0, 0)
    result = make_redlines([RedlineJob(b"not a zip", same, tmp_path / "bad-redline.docx")], None)
    assert result.written == [] and len(result.failed) == 1
    assert result.failed[0].startswith("bad-redline.docx: cannot compare the two versions: ")
    assert not (tmp_path / "bad-redline.docx").exists()


@pytest.mark.parametrize("old, new, deleted, inserted", [
    ("strengthens resilience rather than weakening internal controls",
     "strengthens operational resilience and does not weaken internal controls",
     ["resilience rather than weakening"], ["operational resilience and does not weaken"]),
    ("RTO 2 hours", "RTO 4 hours", ["2"], ["4"]),
    ("one two three", "one two three four", [], [" four"]),
])
def test_word_level_changes_read_as_phrases(tmp_path, old, new, deleted, inserted):
    dest, _ = _make(tmp_path, _docx([old]), _docx([new]))
    p = next(_root(dest.read_bytes()).iter(W + "p"))
    assert ["".join(t.text for t in d.iter(W + "delText")) for d in p.iter(W + "del")] == deleted
    assert ["".join(t.text for t in i.iter(W + "t")) for i in p.iter(W + "ins")] == inserted
