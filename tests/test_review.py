"""Legal's review comes back: marks in the drafts, `regpack review import` (tracked changes, edits not
tracked, comments with replies) into the review register, `--apply` into the sources, and the next build."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from conftest import ARR, copy_project, ooxml_check, regpack
from pipeline.errors import relpath
from docxread import docx_comments, docx_text
from legaldocx import DRAFTER, LATER, LEGAL, WHEN, Draft, resave_with_libreoffice

SUMMARY = f"sources/{ARR}/executive-summary.md"
REGISTER = f"sources/{ARR}/review.yaml"
PHRASE, WORDING = "plans to notify", "intends, subject to the Board's approval, to notify"
NEXT = "Key points for the Board:"
ASKED, ANSWER = "Please put the points in order of importance.", "They are: the business case comes first."

@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("review") / "p")
    result = regpack(project, "build")
    assert result.returncode == 0, result.stderr
    return project


def _copy(built: Path, dest: Path) -> Path:
    shutil.copytree(built, dest, symlinks=True)
    return dest


def _draft(project: Path, slug: str = "board-paper") -> Path:
    return project / "build" / ARR / "word" / f"{slug}.docx"


def _sources(project: Path) -> dict[str, bytes]:
    return {str(p.relative_to(project)): p.read_bytes() for p in sorted((project / "sources").rglob("*")) if p.is_file()}


def _legal_returns(project: Path, dest: Path) -> Path:
    """Legal's tracked change in the executive summary and a comment, with a reply, on the next paragraph."""
    draft = Draft(_draft(project))
    draft.track(PHRASE, WORDING)
    draft.comment(draft.paragraph(NEXT), "911", LEGAL, WHEN, ASKED)
    draft.comment(draft.paragraph(NEXT), "912", DRAFTER, LATER, ANSWER, parent="911")
    return draft.save(dest)


@pytest.mark.libreoffice
def test_marks_are_hidden_bookmarks_whose_meaning_the_build_records(built):
    out = built / "build" / ARR
    with zipfile.ZipFile(_draft(built)) as zf:
        names = re.findall(r'w:bookmarkStart w:id="\d+" w:name="([^"]+)"', zf.read("word/document.xml").decode())
    marks = [n for n in names if n.startswith("_S")]
    assert marks and all(re.fullmatch(r"_S\d+_[0-9a-f]{8}", n) and len(n) < 40 for n in marks)
    manifest = json.loads((out / "manifest.json").read_text())
    (board,) = [d for d in manifest["documents"] if d["key"] == "BOARD"]
    review = board["review"]
    assert review["pristine"]["path"] == "word/.pristine/board-paper.docx"
    assert {review["pristine"]["path"], review["marks"]["path"]} <= {e["path"] for e in manifest["outputs"]}
    assert (out / review["pristine"]["path"]).read_bytes() == _draft(built).read_bytes()
    record = json.loads((out / review["marks"]["path"]).read_text())
    assert "template wording or computed" in record["unmarked"]
    mark = next(m for m in record["marks"] if m["text"].startswith("Management asks the Board"))
    value = record["values"][mark["value"]]
    assert (value["field"], value["file"]) == ("board.executive_summary", SUMMARY)
    assert value["text"] == (built / SUMMARY).read_text().strip()
    assert mark["name"] in marks


@pytest.mark.libreoffice
@pytest.mark.parametrize("editor", ["word", "libreoffice"])
def test_legal_review_is_imported_applied_and_shown_in_the_next_draft(built, tmp_path, editor):
    project = _copy(built, tmp_path / "p")
    returned = _legal_returns(project, tmp_path / "returned" / "board-paper.docx")
    if editor == "libreoffice":
        returned = resave_with_libreoffice(returned, tmp_path / "resaved")
    before = _sources(project)

    result = regpack(project, "review", "import", str(returned))
    assert result.returncode == 0, result.stderr
    assert "executive-summary.md" in result.stdout and ASKED in result.stdout and ANSWER in result.stdout
    assert f"changed: “plans” → “intends, subject to the Board's approval,”" in result.stdout
    register = yaml.safe_load((project / REGISTER).read_text())
    change, comment = register["items"]
    assert (change["id"], change["status"], change["kind"]) == ("R1", "open", "change")
    assert re.fullmatch(rf"{SUMMARY}:\d+", change["source"]) and change["field"] == "board.executive_summary"
    assert (change["author"], change["date"], change["how"]) == (LEGAL, WHEN, "tracked")
    assert PHRASE in change["old"] and WORDING in change["new"]
    assert (comment["id"], comment["kind"], comment["anchor"], comment["text"]) == ("R2", "comment", NEXT, ASKED)
    assert comment["source"].startswith(SUMMARY) and comment["author"] == LEGAL
    assert comment["replies"] == [{"author": DRAFTER, "date": LATER, "text": ANSWER}]
    assert set(_sources(project)) - set(before) == {REGISTER} and all(_sources(project)[k] == v for k, v in before.items())

    again = regpack(project, "review", "import", str(returned))  # a second import adds nothing
    assert again.returncode == 0 and "nothing new" in again.stdout
    assert len(yaml.safe_load((project / REGISTER).read_text())["items"]) == 2

    applied = regpack(project, "review", "import", "--apply", str(returned))
    assert applied.returncode == 0, applied.stderr
    assert f"R1 applied: {change['source']}" in applied.stdout
    now = _sources(project)
    assert {k for k in now if now[k] != before.get(k)} == {SUMMARY, REGISTER}
    old_lines, new_lines = before[SUMMARY].decode().splitlines(), now[SUMMARY].decode().splitlines()
    changed = [(a, b) for a, b in zip(old_lines, new_lines) if a != b]
    assert len(old_lines) == len(new_lines) and changed == [
        (line, line.replace(PHRASE, WORDING)) for line in old_lines if PHRASE in line]
    statuses = [i["status"] for i in yaml.safe_load((project / REGISTER).read_text())["items"]]
    assert statuses == ["applied", "open"]

    build = regpack(project, "build")
    assert build.returncode == 0, build.stderr
    assert "Management intends, subject to the Board's approval, to notify the HKMA" in docx_text(_draft(project))
    shown = [(anchor, text) for anchor, text in docx_comments(_draft(project)) if text.startswith("Review item R2")]
    assert shown and shown[0][0] == NEXT and f"{LEGAL}, 2026-01-12 commented: “{ASKED}”" in shown[0][1]
    assert f"Reply from {DRAFTER}: “{ANSWER}”" in shown[0][1]
    valid = ooxml_check(sorted((project / "build" / ARR / "word").glob("*.docx")))
    assert valid.returncode == 0 and " 0 invalid" in valid.stdout, valid.stdout + valid.stderr

    final = regpack(project, "build", "--final")
    assert final.returncode == 2
    line = next(n for n, text in enumerate((project / REGISTER).read_text().splitlines(), 1)
                if text.strip() == "status: open")
    assert f"{REGISTER}:{line}: review R2: comment by {LEGAL} on the board-paper is still open" in final.stderr

    # the next round: legal answers regpack's comment for R2 in the new draft; the answer joins R2
    second = Draft(_draft(project))
    second.reply_to("Review item R2", "921", LEGAL, "2026-01-20T10:00:00Z", "Agreed: leave the order as it is.")
    returned = second.save(tmp_path / "round-2" / "board-paper.docx")
    if editor == "libreoffice":
        returned = resave_with_libreoffice(returned, tmp_path / "resaved-2")
    result = regpack(project, "review", "import", str(returned))
    assert result.returncode == 0, result.stderr
    items = yaml.safe_load((project / REGISTER).read_text())["items"]
    assert [i["id"] for i in items] == ["R1", "R2"]
    assert items[1]["replies"][-1] == {"author": LEGAL, "date": "2026-01-20T10:00:00Z",
                                       "text": "Agreed: leave the order as it is."}


@pytest.mark.libreoffice
def test_edits_to_template_or_computed_wording_stay_open_and_yaml_values_change_in_place(built, tmp_path):
    project = _copy(built, tmp_path / "p")
    draft = Draft(_draft(project))
    draft.replace_text("Executive summary", "Summary for the Board")  # template wording, not tracked
    draft.replace_text("still under Legal review.", "still under review by Legal.")  # a sign-off, plain text
    returned = draft.save(tmp_path / "board-paper.docx")
    board = (project / f"sources/{ARR}/board.yaml").read_text()
    result = regpack(project, "review", "import", "--apply", str(returned))
    assert result.returncode == 0, result.stderr
    items = yaml.safe_load((project / REGISTER).read_text())["items"]
    heading = next(i for i in items if i["old"] == "Executive summary")
    assert heading["status"] == "open" and heading["source"] == "template or computed wording"
    assert "change it in templates/board-paper.docx" in heading["instead"]
    assert heading["how"] == "direct (not tracked)"
    opinion = next(i for i in items if i.get("field") == "board.signoffs[2].opinion")
    assert opinion["status"] == "applied"
    after = (project / f"sources/{ARR}/board.yaml").read_text()
    assert after == board.replace("still under Legal review.", "still under review by Legal.")


@pytest.mark.libreoffice
def test_nothing_is_written_unless_every_edit_applies(built, tmp_path):
    project = _copy(built, tmp_path / "p")
    returned = _legal_returns(project, tmp_path / "returned.docx")
    assert regpack(project, "review", "import", str(returned)).returncode == 0
    summary = project / SUMMARY
    line = next(n for n, text in enumerate(summary.read_text().splitlines(), 1) if text.startswith("The arrangement"))
    summary.write_text(summary.read_text().replace("Management plans", "Management now plans"))  # changed since
    before = _sources(project)
    result = regpack(project, "review", "import", "--apply", str(returned))
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        f"{SUMMARY}:{line}: board.executive_summary: review R1: legal's change cannot be written back: the paragraph "
        "legal changed: its text is not in the source any more (the source changed since the draft was built); "
        f"apply it by hand and set R1 to applied in {REGISTER}, or set it to rejected")
    assert _sources(project) == before


@pytest.mark.libreoffice
def test_bad_drafts_are_refused_with_one_line_each(built, tmp_path):
    project = _copy(built, tmp_path / "p")
    (tmp_path / "notes.docx").write_text("not a zip")
    (tmp_path / "cut.docx").write_bytes(_draft(project).read_bytes()[:4000])
    import docx
    docx.Document().save(str(tmp_path / "plain.docx"))
    older = _legal_returns(project, tmp_path / "older.docx")  # once its build's marks are gone
    other = regpack(project, "review", "import", "--arrangement", "acme-hr-saas", str(older))
    assert other.returncode == 2
    assert f"older.docx: a draft of arrangement '{ARR}', not of 'acme-hr-saas'; nothing was imported" in other.stderr
    shutil.rmtree(project / "build" / ARR / "word" / ".pristine" / "history")  # as `make clean` and a rebuild would
    cases = {
        "notes.docx": "not a Word file: it is not a .docx (zip) archive (BadZipFile)",
        "cut.docx": "corrupt Word file: its .docx (zip) archive is damaged or incomplete",
        "plain.docx": "not a regpack draft: it has none of the hidden marks regpack puts in the drafts it writes",
        "older.docx": f"a draft of {ARR} from an earlier build (made 2026-01-01T00:00:00Z) whose marks are no longer "
                      "kept (build/ was cleaned, and no sealed version holds them): its edits cannot be traced to the "
                      "sources",
    }
    before = _sources(project)
    for name, reason in cases.items():
        result = regpack(project, "review", "import", str(tmp_path / name))
        assert result.returncode == 2, result.stdout
        first = result.stderr.splitlines()[0]
        assert first.startswith(f"{tmp_path / name}: {reason}") and first.endswith("; nothing was imported"), first
    assert _sources(project) == before


# ---- without LibreOffice: the pieces -------------------------------------------------------------------

def test_legal_wording_replaces_only_the_words_legal_changed_in_markdown():
    from pipeline.review.mdspan import CannotApply, NotFound, rewrite
    source = "Intro with **bold words** here.\n\n1. **Item.** First line of the item\n   continues here.\n"
    item = "Item. First line of the item continues here."
    assert rewrite(source, item, item.replace("continues", "goes on")) == source.replace("continues", "goes on")
    assert rewrite(source, "Intro with bold words here.", "Intro with bold words here *now*.") == \
        source.replace("here.", "here \\*now\\*.", 1)  # legal's asterisks read literally
    with pytest.raises(CannotApply, match="crosses Markdown formatting"):
        rewrite(source, "Intro with bold words here.", "Intro with different phrasing.")
    with pytest.raises(NotFound, match="not in the source any more"):
        rewrite(source, "A paragraph that is not there.", "Anything.")


def test_a_yaml_value_is_replaced_in_place_and_nothing_else_moves():
    from pipeline.review.mdspan import CannotApply
    from pipeline.review.yamledit import replace_scalar
    text = ("# kept\nkey: value  # trailing comment\nprose: >-\n  First line of the\n  prose value.\nlist:\n"
            "  - one\n  - 'two'\nshared: &s shared text\nagain: *s\n")
    assert replace_scalar(text, ("prose",), "First line of the changed prose value.") == text.replace(
        "  First line of the\n  prose value.", "  First line of the changed prose value.")
    assert replace_scalar(text, ("list", 1), "it's two") == text.replace("'two'", "'it''s two'")
    assert replace_scalar(text, ("key",), "a: b") == text.replace("key: value", 'key: "a: b"')
    with pytest.raises(CannotApply, match="shared through a YAML anchor"):
        replace_scalar(text, ("again",), "other text")


def test_the_register_is_plain_yaml_read_back_with_lines_and_checked(tmp_path):
    from pipeline.review.register import empty_register, read_register
    folder = tmp_path / ARR
    register = empty_register(folder)
    first = register.add({"kind": "comment", "document": "board-paper", "author": LEGAL, "text": ASKED, "key": "k1"})
    register.add({"kind": "change", "document": "board-paper", "old": "a", "new": "b", "key": "k2"})
    register.write()
    again, problems = read_register(folder)
    assert problems == [] and [i.data for i in again.items] == [first.data, register.items[1].data]
    lines = (folder / "review.yaml").read_text().splitlines()
    assert [i.id for i in again.items] == ["R1", "R2"] and lines[again.items[1].line - 1] == "- id: R2"
    assert again.add({"kind": "comment", "document": "x", "key": "k3"}).id == "R3"
    (folder / "review.yaml").write_text("\n".join(lines).replace("  status: open", "  status: maybe", 1))
    _, problems = read_register(folder)
    assert [str(p) for p in problems] == [
        f"{relpath(folder / 'review.yaml')}:{again.items[0].status_line}: review.items[0].status: status must be one "
        "of open, applied, rejected, done, got 'maybe'"]


def test_marks_wrap_each_paragraph_rendered_from_a_source_value():
    import docx
    from pipeline.review.marks import DraftMarks
    from pipeline.review.origins import Origin, OriginIndex
    from pipeline.word.markdown import MarkdownToWord

    template = SimpleNamespace(docx=docx.Document())  # what the filter needs of a template: its styles
    text = "First paragraph of **the** value.\n\nSecond one."
    origin = Origin("board.purpose", f"sources/{ARR}/board.yaml", f"sources/{ARR}/board.yaml", 17, text)
    marks = DraftMarks(OriginIndex([origin]), "0123abcd", ARR, "board-paper", "BOARD")
    markdown = marks.filter(MarkdownToWord(template))
    xml = str(markdown(text))
    assert re.findall(r'<w:bookmarkStart w:id="(\d+)" w:name="([^"]+)"/>', xml) == [
        ("100001", "_S1_0123abcd"), ("100002", "_S2_0123abcd")]
    assert xml.count("<w:bookmarkEnd ") == 2 and str(markdown("computed text")) == str(MarkdownToWord(template)(
        "computed text"))  # text no source holds stays unmarked
    assert [(m["text"], m["value"]) for m in marks.marks] == [("First paragraph of the value.", 0), ("Second one.", 0)]
    assert marks.values == [origin.as_json()]
