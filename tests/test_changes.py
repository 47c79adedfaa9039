"""`regpack diff`: a sealed version against a rebuild with a longer RTO: source fields, requirement
responses, Markdown lines, the Word change summary and Word redlines with tracked changes; and a rebuild
with one control response reworded, whose redline must mark only that."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from pipeline.release.archive import seal
from pipeline.release.diff import ChangeReport, diff
from docxread import docx_text
from pipeline.errors import ArchiveError
from pipeline.project import Project
from tests.conftest import ARR, ooxml_check, regpack

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
EDITS = {  # file: (old, new): the RTO goes from 2 to 4 hours everywhere it is stated
    "contingency.yaml": ("\nrto_hours: 2\n", "\nrto_hours: 4\n"),
    "controls.yaml": ("with a 2-hour RTO", "with a 4-hour RTO"),
    "recovery-strategy.md": ("the runbook completes it within 2 hours", "the runbook completes it within 4 hours"),
}


@pytest.fixture(scope="module")
def project(built_project, tmp_path_factory) -> Path:
    """Sealed as v1, then the RTO edited and the project rebuilt."""
    proj = tmp_path_factory.mktemp("changes") / "project"
    shutil.copytree(built_project, proj, ignore=shutil.ignore_patterns("archive"))
    seal(Project.at(proj), ARR, "v1")
    for name, (old, new) in EDITS.items():
        path = proj / "sources" / ARR / name
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, name
        path.write_text(text.replace(old, new), encoding="utf-8")
    result = regpack(proj, "build")
    assert result.returncode == 0, result.stdout + result.stderr
    return proj


@pytest.fixture(scope="module")
def report(project):
    return diff(Project.at(project), project / "archive" / ARR / "v1", project / "build" / ARR, None)


@pytest.fixture(scope="module")
def changes_dir(project, report) -> Path:
    return project / "build" / ARR / "changes"


def test_field_changes_by_source_and_requirement(report):
    lines = report.lines()
    text = "\n".join(lines)
    assert "  contingency.rto_hours: 2 -> 4" in lines
    assert f"sources/{ARR}/contingency.yaml" in lines and f"sources/{ARR}/controls.yaml" in lines
    assert any(line.startswith("  TMG1-5.4.1 response: ") and "2-hour RTO" in line and "-> " in line
               and line.index("2-hour") < line.index("->") < line.index("4-hour RTO") for line in lines), text
    md = lines.index(f"sources/{ARR}/recovery-strategy.md")
    assert lines[md + 1].startswith("  recovery-strategy.md line ")
    assert lines[md + 2].startswith("    - ") and "the runbook completes it within 2 hours" in lines[md + 2]
    assert lines[md + 3].startswith("    + ") and "the runbook completes it within 4 hours" in lines[md + 3]
    for slug in ("board-paper", "notification-package"):
        assert f"output changed: word/{slug}.docx" in lines
        assert f"output changed: pdf/{slug}.pdf" in lines
    assert not any(line.startswith("template changed") for line in lines)
    unchanged = [c for c in report.fields if c.source.endswith(("vendor.yaml", "exit.yaml", "risk.yaml"))]
    assert unchanged == []


def test_cli_diff_of_the_zip_reports_the_same(project, report, changes_dir):
    result = regpack(project, "diff", str(project / "archive" / ARR / "v1.zip"), str(project / "build" / ARR),
                     "--out", str(project / "cli-changes"))
    assert result.returncode == 0, result.stderr
    assert "contingency.rto_hours: 2 -> 4" in result.stdout
    assert (project / "cli-changes" / "change-summary.docx").is_file()
    same = [line for line in report.lines() if not line.startswith("wrote ")]
    assert [line for line in result.stdout.splitlines() if not line.startswith("wrote ")] == same
    written = sorted(p.name for p in (project / "cli-changes").iterdir())
    assert written == sorted(p.name for p in report.written)
    for name in written:   # same content compared: byte-identical summary and redlines
        assert (project / "cli-changes" / name).read_bytes() == (changes_dir / name).read_bytes()


def test_change_summary_docx(changes_dir, report):
    summary = changes_dir / "change-summary.docx"
    assert summary in report.written
    text = docx_text(summary)
    for expected in ("Change summary", "v1", f"build/{ARR}", "Field", "Old", "New", "contingency.rto_hours",
                     f"sources/{ARR}/controls.yaml", "Requirement TMG1-5.4.1", "with a 2-hour RTO",
                     "with a 4-hour RTO", "board-paper-redline.docx"):
        assert expected in text, expected
    check = ooxml_check([summary])
    assert check is None or check.returncode == 0, check.stdout + check.stderr


def _paragraph_versions(docx_path: Path) -> tuple[list[str], list[str]]:
    """(old text of each paragraph with a deletion, new text of each paragraph with an insertion)."""
    root = etree.fromstring(zipfile.ZipFile(docx_path).read("word/document.xml"))
    olds, news = [], []
    for p in root.iter(W + "p"):
        old = "".join(t.text or "" for t in p.iter(W + "t", W + "delText")
                      if not any(a.tag == W + "ins" for a in t.iterancestors()))
        new = "".join(t.text or "" for t in p.iter(W + "t") if not any(a.tag == W + "del" for a in t.iterancestors()))
        if any(True for _ in p.iter(W + "del")):
            olds.append(old)
        if any(True for _ in p.iter(W + "ins")):
            news.append(new)
    return olds, news


@pytest.mark.parametrize("slug", ["board-paper", "notification-package"])
def test_redlines_carry_tracked_changes(changes_dir, report, slug):
    assert not [n for n in report.notes if n.startswith("redline")], report.notes
    redline = changes_dir / f"{slug}-redline.docx"
    assert redline in report.written
    xml = zipfile.ZipFile(redline).read("word/document.xml").decode("utf-8")
    assert "<w:ins " in xml and "<w:del " in xml
    olds, news = _paragraph_versions(redline)
    assert any("2 hours" in t for t in olds), olds[:20]
    assert any("4 hours" in t for t in news), news[:20]
    check = ooxml_check([redline])
    assert check is None or check.returncode == 0, check.stdout + check.stderr


def test_redlines_only_for_documents_whose_docx_differs(project, changes_dir):
    sealed = json.loads((project / "archive" / ARR / "v1" / "manifest.json").read_text())
    old = {d["key"]: d["docx"] for d in sealed["documents"]}
    new = json.loads((project / "build" / ARR / "manifest.json").read_text())["documents"]
    differ = {Path(d["docx"]["path"]).stem for d in new if d["docx"]["sha256"] != old[d["key"]]["sha256"]}
    assert {"board-paper", "notification-package"} <= differ
    assert {p.name.removesuffix("-redline.docx") for p in changes_dir.glob("*-redline.docx")} == differ


def test_diff_of_a_version_with_itself_and_refusals(project, tmp_path):
    v1 = project / "archive" / ARR / "v1"
    same = diff(Project.at(project), v1, v1.parent / "v1.zip", tmp_path / "same")
    assert "no changes in sources, templates or outputs" in same.lines()
    assert [p.name for p in same.written] == ["change-summary.docx"]
    with pytest.raises(ArchiveError, match="inside the archive"):
        diff(Project.at(project), v1, project / "build" / ARR, project / "archive" / "out")
    with pytest.raises(ArchiveError, match="neither a sealed pack nor a finished build"):
        diff(Project.at(project), v1, project / "sources", tmp_path / "x")


def test_diff_out_writes_only_its_own_files(one_response, tmp_path):
    proj, _ = one_response
    out = tmp_path / "out"
    out.mkdir()
    (out / "my-notes-redline.docx").write_bytes(b"legal's own notes")
    (out / "notification-package-redline.docx").write_bytes(b"old redline")
    (out / "notes.txt").write_text("keep me")
    result = diff(Project.at(proj), proj / "archive" / ARR / "v1", proj / "build" / ARR, out)
    assert (out / "my-notes-redline.docx").read_bytes() == b"legal's own notes"
    assert (out / "notes.txt").read_text() == "keep me"
    assert zipfile.is_zipfile(out / "notification-package-redline.docx")     # its own name: replaced
    assert sorted(p.name for p in out.iterdir()) == sorted({p.name for p in result.written} | {"my-notes-redline.docx",
                                                                                               "notes.txt"})
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    v1 = proj / "archive" / ARR / "v1"
    same = diff(Project.at(proj), v1, v1.parent / "v1.zip", out)     # nothing differs: only the summary
    assert [p.name for p in same.written] == ["change-summary.docx"]
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.name != "change-summary.docx"} == \
        {n: b for n, b in before.items() if n != "change-summary.docx"}
    assert f"note: {out / 'notification-package-redline.docx'} is from an earlier diff (notification-package " \
           "has not changed here); left as it is" in same.lines()


def test_build_inputs_edited_since_the_build_are_flagged(project, tmp_path):
    proj = tmp_path / "p"
    shutil.copytree(project, proj, ignore=shutil.ignore_patterns("changes", "cli-changes"))
    with open(proj / "sources" / ARR / "exit.yaml", "a", encoding="utf-8") as fh:
        fh.write("# edited after the build\n")
    result = diff(Project.at(proj), proj / "archive" / ARR / "v1", proj / "build" / ARR, tmp_path / "out")
    assert f"note: sources/{ARR}/exit.yaml changed since {ARR} was built; rebuild to compare it" in result.lines()


OLD_SENTENCE = "The arrangement strengthens resilience rather than weakening internal controls or business conduct."
NEW_SENTENCE = ("The arrangement strengthens operational resilience and does not weaken internal controls or "
                "business conduct.")


@pytest.fixture(scope="module")
def one_response(built_project, tmp_path_factory) -> tuple[Path, ChangeReport]:
    """v1 sealed, then one control response reworded (one sentence), rebuilt and diffed."""
    proj = tmp_path_factory.mktemp("one-response") / "project"
    shutil.copytree(built_project, proj, ignore=shutil.ignore_patterns("archive"))
    seal(Project.at(proj), ARR, "v1")
    controls = proj / "sources" / ARR / "controls.yaml"
    text = controls.read_text(encoding="utf-8")
    old = "The arrangement strengthens resilience rather than\n      weakening internal controls or business conduct."
    assert text.count(old) == 1
    controls.write_text(text.replace(old, NEW_SENTENCE), encoding="utf-8")
    result = regpack(proj, "build")
    assert result.returncode == 0, result.stdout + result.stderr
    return proj, diff(Project.at(proj), proj / "archive" / ARR / "v1", proj / "build" / ARR, proj / "changes")


def _document(path: Path):
    return etree.fromstring(zipfile.ZipFile(path).read("word/document.xml"))


def _text_under(root, tag: str, kinds: tuple[str, ...]) -> list[str]:
    return ["".join(t.text or "" for t in el.iter(*(W + k for k in kinds))) for el in root.iter(W + tag)]


def test_one_changed_response_gives_a_handful_of_tracked_changes(one_response):
    proj, report = one_response
    redline = proj / "changes" / "notification-package-redline.docx"
    assert redline in report.written
    root = _document(redline)
    insertions = list(root.iter(W + "ins"))
    assert 1 <= len(insertions) <= 20
    assert len(insertions) == report.tracked[redline][0]
    paragraph = next(p for p in root.iter(W + "p") if any(True for _ in p.iter(W + "del")))
    deleted = "".join(t.text for t in paragraph.iter(W + "delText"))
    inserted = "".join(t.text for i in paragraph.iter(W + "ins") for t in i.iter(W + "t"))
    old_view = "".join(t.text for t in paragraph.iter(W + "t", W + "delText")
                       if not any(a.tag == W + "ins" for a in t.iterancestors()))
    new_view = "".join(t.text for t in paragraph.iter(W + "t"))
    assert OLD_SENTENCE in old_view and NEW_SENTENCE in new_view
    assert "rather than weakening" in deleted and "does not weaken" in inserted and "operational" in inserted
    assert "internal controls" not in deleted + inserted        # the words that stayed are not marked
    assert {i.get(W + "author") for i in root.iter(W + "ins", W + "del")} == {"regpack"}
    assert {i.get(W + "date") for i in root.iter(W + "ins", W + "del")} == {"2026-01-01T00:00:00Z"}
    check = ooxml_check([redline])
    assert check is None or check.returncode == 0, check.stdout + check.stderr


def test_the_redline_keeps_the_new_documents_structure(one_response):
    proj, _ = one_response
    redline, new = _document(proj / "changes" / "notification-package-redline.docx"), \
        _document(proj / "build" / ARR / "word" / "notification-package.docx")
    for tag in ("tbl", "tr", "p", "sectPr", "commentReference"):     # no duplicated tables, rows or sections
        assert sum(1 for _ in redline.iter(W + tag)) == sum(1 for _ in new.iter(W + tag)), tag
    unchanged = [p for p in new.iter(W + "p") if NEW_SENTENCE not in "".join(t.text or "" for t in p.iter(W + "t"))]
    kept = [p for p in redline.iter(W + "p") if not any(True for _ in p.iter(W + "ins", W + "del"))]
    assert [etree.tostring(p) for p in kept] == [etree.tostring(p) for p in unchanged]
