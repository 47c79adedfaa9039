"""Coverage gate, final builds, reproducible bytes, legal's edits and incremental rebuilds, each on a
real sample project built with the real LibreOffice."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from pypdf import PdfReader

from docxread import docx_comments, docx_text
from tests.conftest import ARR, add_arrangement, copy_project, regpack

DOCS = ("notification-package", "risk-assessment-form", "board-paper")


def _remove_response(project: Path, req_id: str) -> None:
    path = project / "sources" / ARR / "controls.yaml"
    text = path.read_text()
    blocks = re.split(r"(?m)^(?=  - requirement: )", text)
    kept = [b for b in blocks if not b.startswith(f"  - requirement: {req_id}\n")]
    assert len(kept) == len(blocks) - 1, req_id
    path.write_text("".join(kept))


def _drop_todo(project: Path) -> None:
    for md in (project / "sources" / ARR).glob("*.md"):
        md.write_text("\n".join(line for line in md.read_text().splitlines() if "TODO" not in line) + "\n")


def test_matrix_lists_every_applicable_requirement(built_project):
    result = regpack(built_project, "coverage", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["catalog"]["SA2"] >= 40 and data["catalog"]["TMG1"] >= 70
    assert data["catalog"]["OR1"] >= 5 and data["catalog"]["HKCLD"] == 9
    arr = data["arrangements"][ARR]
    assert arr["applicable"] == arr["answered"] and arr["gaps"] == []
    from pipeline.catalog.loader import load_catalog
    from pipeline.catalog.coverage import compute_coverage
    from pipeline.sources.loader import load_or_raise
    loaded = load_or_raise(built_project / "sources")[0]
    rows = compute_coverage(loaded.sources, load_catalog()).rows
    assert len(rows) == arr["applicable"]
    text = docx_text(built_project / "build" / ARR / "word" / "notification-package.docx")
    index = text[text.index("Traceability index", text.index("Control responses")):].splitlines()
    # one index row per applicable requirement, by the citation the HKMA reads (not regpack's id)
    assert [r.requirement.shown_citation for r in rows if r.requirement.shown_citation not in index] == []


def test_final_build_refuses_a_missing_response_and_names_it(tmp_path):
    project = copy_project(tmp_path / "p")
    _drop_todo(project)
    _remove_response(project, "TMG1-3.1.4")
    draft = regpack(project, "check")
    assert draft.returncode == 0, draft.stderr  # a draft allows the gap and reports it
    result = regpack(project, "build", "--final")
    assert result.returncode == 2
    assert "no response to applicable requirement TMG1-3.1.4" in result.stderr
    assert not (project / "build").exists()


def test_final_build_has_no_comments_and_no_draft_marks(tmp_path):
    project = copy_project(tmp_path / "p")
    summary = project / "sources" / ARR / "executive-summary.md"
    summary.write_text(summary.read_text() + "\nTODO: confirm the go-live date with Payments Technology.\n")
    refused = regpack(project, "build", "--final")
    assert refused.returncode == 2 and "TODO marker" in refused.stderr
    _drop_todo(project)
    result = regpack(project, "build", "--final")
    assert result.returncode == 0, result.stderr
    for slug in DOCS:
        path = project / "build" / ARR / "word" / f"{slug}.docx"
        assert docx_comments(path) == []
        text = docx_text(path)
        assert "DRAFT" not in text and "TODO" not in text
        assert "Final" in text


def _pdf_content(path: Path) -> tuple:
    reader = PdfReader(path)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    fonts = sorted(re.sub(r"^[A-Z]{6}\+", "", line.split()[0]) for line in fonts.splitlines()[2:])
    meta = {k: str(v) for k, v in (reader.metadata or {}).items()}
    return len(reader.pages), [p.extract_text() for p in reader.pages], fonts, meta


def test_two_builds_of_the_same_sources_are_identical(tmp_path):
    first, second = copy_project(tmp_path / "a"), copy_project(tmp_path / "b")
    for project in (first, second):
        assert regpack(project, "build").returncode == 0
    a, b = first / "build" / ARR, second / "build" / ARR
    for slug in DOCS:
        assert _pdf_content(a / "pdf" / f"{slug}.pdf") == _pdf_content(b / "pdf" / f"{slug}.pdf"), slug
    # LibreOffice's clock stamps and its per-process font ids are replaced: every file is byte-identical,
    # the packs too, whichever worker converted which document
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert f"{ARR}-submission-pack.pdf" in map(str, files) and len(files) > 20
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert [str(f) for f in files if (a / f).read_bytes() != (b / f).read_bytes()] == []


def test_an_edited_draft_is_never_overwritten_and_every_kept_edit_survives(tmp_path):
    project = copy_project(tmp_path / "p")
    assert regpack(project, "build").returncode == 0
    draft = project / "build" / ARR / "word" / "board-paper.docx"
    edited = draft.read_bytes() + b"legal's edit A"
    draft.write_bytes(edited)
    # check and coverage read the sources only: an edited draft in build/ is not their business
    assert regpack(project, "check").returncode == 0
    assert regpack(project, "coverage").returncode == 0
    contingency = project / "sources" / ARR / "contingency.yaml"
    contingency.write_text(contingency.read_text().replace("rto_hours: 2", "rto_hours: 3", 1))
    stopped = regpack(project, "build")
    assert stopped.returncode == 2
    assert "build/hmb-payments-hub-aws/word/board-paper.docx" in stopped.stderr
    assert "--keep-edited" in stopped.stderr
    assert draft.read_bytes() == edited
    kept = regpack(project, "build", "--keep-edited")
    assert kept.returncode == 0, kept.stderr
    first = draft.with_name("board-paper.edited-1.docx")
    assert first.read_bytes() == edited
    assert f"board-paper.docx -> build/{ARR}/word/board-paper.edited-1.docx" in kept.stdout
    assert "3 hours" in docx_text(draft)
    # round two: legal keeps working in the kept copy (edit C) and also edits the new draft (edit D)
    first.write_bytes(edited + b" and C")
    draft.write_bytes(draft.read_bytes() + b"legal's edit D")
    second_edit = draft.read_bytes()
    again = regpack(project, "build", "--keep-edited")
    assert again.returncode == 0, again.stderr
    assert first.read_bytes() == edited + b" and C"
    assert draft.with_name("board-paper.edited-2.docx").read_bytes() == second_edit
    assert "board-paper.edited-2.docx" in again.stdout


def test_a_stale_attestation_gets_a_word_comment(tmp_path):
    project = copy_project(tmp_path / "p")
    vendor = project / "sources" / ARR / "vendor.yaml"
    text = vendor.read_text()
    vendor.write_text(text.replace("    period_start: 2025-10-01\n    period_end: 2026-09-30",
                                   "    period_start: 2023-10-01\n    period_end: 2024-09-30", 1))
    result = regpack(project, "build")
    assert result.returncode == 0, result.stderr
    assert "attestation 'ISO27001-2026' (ISO/IEC 27001:2022 certification) period ended 2024-09-30" in result.stderr
    for slug in ("notification-package", "board-paper"):
        comments = docx_comments(project / "build" / ARR / "word" / f"{slug}.docx")
        stale = [(anchor, text) for anchor, text in comments if text.startswith("Stale evidence")]
        assert stale, slug
        assert all("ISO/IEC 27001:2022 certification" in anchor for anchor, _ in stale)
        assert "vendor.yaml:" in stale[0][1]


def test_a_change_redoes_only_the_documents_that_use_it(tmp_path):
    project = copy_project(tmp_path / "p")
    summary = project / "sources" / ARR / "executive-summary.md"  # a warning that must be printed again
    summary.write_text(summary.read_text() + "\nTODO: confirm the go-live date with Payments Technology.\n")
    second = add_arrangement(project, "hmb-second-arrangement")
    first = regpack(project, "build", env={"REGPACK_WORKERS": "2"})
    assert first.returncode == 0, first.stderr
    assert first.stdout.rstrip().endswith("LibreOffice started 2x")  # both at once: a first build converts all
    # both arrangements enclose the same .docx: LibreOffice converts it once, both packs carry it
    assert [ln.split(":")[0] for ln in first.stdout.splitlines() if "/enclosure-" in ln] == \
        [f"converted {ARR}/enclosure-1"]
    enclosure = docx_text(project / "sources" / ARR / "enclosures" / "independent-assessment-summary.docx")
    opening = " ".join(enclosure.split()[:12])
    for arr in (ARR, second):
        pack = subprocess.run(["pdftotext", str(project / "build" / arr / f"{arr}-submission-pack.pdf"), "-"],
                              capture_output=True, text=True).stdout
        assert opening in " ".join(pack.split()), arr
    assert len({(project / "build" / arr / "enclosures" / "01-independent-assessment-summary.pdf").read_bytes()
                for arr in (ARR, second)}) == 1
    snapshot = {p: p.read_bytes() for p in (project / "build").rglob("*") if p.is_file()}
    board = project / "sources" / second / "board.yaml"
    board.write_text(board.read_text().replace('agenda_item: "', 'agenda_item: "Revised ', 1))
    result = regpack(project, "-v", "build", env={"REGPACK_WORKERS": "2"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith("LibreOffice started 1x")  # one document: one worker
    # the unchanged arrangement is not read again, and its warning and coverage are printed as before
    assert f"why: {ARR}: not read again: its sources, what it shares with the others and its outputs are as " \
        "its last build left them" in result.stdout
    assert f"why: {second}: not read again" not in result.stdout
    todo = [ln for ln in first.stderr.splitlines() if ln.startswith("warning:") and "TODO" in ln]
    assert todo and all(ln in result.stderr.splitlines() for ln in todo)
    assert [ln for ln in result.stdout.splitlines() if "applicable requirements" in ln] == \
        [ln for ln in first.stdout.splitlines() if "applicable requirements" in ln]
    rendered = [line for line in result.stdout.splitlines() if line.startswith("render ")]
    assert rendered == [f"render {second}/board-paper"]
    changed = sorted(str(p.relative_to(project / "build")) for p, data in snapshot.items() if p.read_bytes() != data)
    assert changed == [".uptodate.json", f"{second}/{second}-board-pack.pdf", f"{second}/manifest.json",
                       f"{second}/pdf/board-paper.pdf", f"{second}/word/.pristine/board-paper.docx",
                       f"{second}/word/.pristine/board-paper.json", f"{second}/word/board-paper.docx"]
    again = regpack(project, "build")
    assert "Nothing to do: 10 documents are up to date" in again.stdout
    # run from another folder: same inputs (paths in review comments are relative to the project)
    elsewhere = regpack(project, "build", cwd=tmp_path)
    assert "Nothing to do: 10 documents are up to date" in elsewhere.stdout, elsewhere.stdout


def test_nothing_changed_replays_the_report_and_any_touched_output_is_redone(tmp_path):
    project = copy_project(tmp_path / "p")
    summary = project / "sources" / ARR / "executive-summary.md"  # a warning for the replay to repeat
    summary.write_text(summary.read_text() + "\nTODO: confirm the go-live date with Payments Technology.\n")
    first = regpack(project, "build")
    assert first.returncode == 0, first.stderr
    again = regpack(project, "build")
    assert "Nothing to do: 5 documents are up to date" in again.stdout
    assert [ln for ln in again.stderr.splitlines() if ln.startswith("warning:")] == \
        [ln for ln in first.stderr.splitlines() if ln.startswith("warning:")] != []
    assert [ln for ln in again.stdout.splitlines() if "applicable requirements" in ln] == \
        [ln for ln in first.stdout.splitlines() if "applicable requirements" in ln] != []
    (project / "build" / ARR / "pdf" / "board-paper.pdf").unlink()
    redone = regpack(project, "build")
    assert redone.returncode == 0, redone.stderr
    assert [ln for ln in redone.stdout.splitlines() if ln.startswith("render ")] == [f"render {ARR}/board-paper"]
    assert (project / "build" / ARR / "pdf" / "board-paper.pdf").is_file()
    template = project / "templates" / "board-paper.docx"
    template.write_bytes(template.read_bytes())  # same bytes, new time: still nothing to do
    assert "Nothing to do" in regpack(project, "build").stdout
    strict = regpack(project, "build", "--strict")  # other options: checked again, not replayed
    assert strict.returncode == 2 and "TODO marker" in strict.stderr


def test_an_arrangement_that_includes_another_ones_file_is_read_again_when_it_changes(tmp_path):
    project = copy_project(tmp_path / "p")
    second = add_arrangement(project, "hmb-second-arrangement")
    board = project / "sources" / second / "board.yaml"
    board.write_text(board.read_text().replace("{markdown_file: executive-summary.md}",
                                               f"{{markdown_file: ../{ARR}/executive-summary.md}}"))
    assert regpack(project, "build").returncode == 0
    summary = project / "sources" / ARR / "executive-summary.md"
    summary.write_text(summary.read_text() + "\nShared paragraph revised for both boards.\n")
    result = regpack(project, "-v", "build")
    assert result.returncode == 0, result.stderr
    assert "not read again" not in result.stdout
    assert f"render {second}/board-paper" in result.stdout.splitlines()
    assert "Shared paragraph revised for both boards." in docx_text(project / "build" / second / "word" / "board-paper.docx")
