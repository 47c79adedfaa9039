"""Nothing lost, nothing half-done: one build at a time, all arrangements or none, a changed PDF redone,
optional fields never printed as "None"."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from conftest import ARR, EPOCH, add_arrangement, copy_project, regpack
from docxread import docx_text

pytestmark = pytest.mark.libreoffice


def _outputs(project):
    return {p.relative_to(project): p.read_bytes() for p in (project / "build").rglob("*")
            if p.is_file() and ".uptodate" not in p.name}


def test_two_builds_at_once_leave_a_build_the_next_run_accepts(tmp_path):
    project = copy_project(tmp_path / "p")
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "CI": "1"}
    command = [sys.executable, "-m", "pipeline", "-C", str(project), "build"]
    first = subprocess.Popen(command, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    second = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=600)
    out, err = first.communicate(timeout=600)
    assert first.returncode == 0, err
    assert second.returncode == 9, second.stderr
    assert "another regpack command is using" in second.stderr and "pid" in second.stderr
    assert "Traceback" not in second.stderr
    again = regpack(project, "build")
    assert again.returncode == 0, again.stderr
    assert "Nothing to do" in again.stdout
    assert not (project / "build" / ".lock").exists()


def test_a_pdf_changed_in_build_is_redone(tmp_path):
    project = copy_project(tmp_path / "p")
    assert regpack(project, "build").returncode == 0
    pdf = project / "build" / ARR / "pdf" / "board-paper.pdf"
    good = pdf.read_bytes()
    pdf.write_bytes(good.replace(b"Board", b"Bored", 1))
    result = regpack(project, "-v", "build")
    assert result.returncode == 0, result.stderr
    assert "board-paper.pdf was changed after regpack wrote it" in result.stdout
    assert b"Bored" not in pdf.read_bytes() and abs(len(pdf.read_bytes()) - len(good)) < 100


def test_a_failed_commit_leaves_every_arrangement_as_it_was(tmp_path, monkeypatch, capsys):
    project = copy_project(tmp_path / "p")
    second = add_arrangement(project, "hmb-second-arrangement")
    assert regpack(project, "build").returncode == 0
    before = _outputs(project)
    for arr in (ARR, second):
        contingency = project / "sources" / arr / "contingency.yaml"
        contingency.write_text(contingency.read_text().replace("rpo_minutes: 15", "rpo_minutes: 14", 1))
    import pipeline.release.commit as commit_module
    from pipeline.cli import main
    real = os.replace

    def replace(src, dst, *args, **kwargs):  # the share holding the last arrangement's PDF refuses it
        if str(dst).endswith(f"{second}/pdf/exit-strategy.pdf") and ".staging" not in str(dst):
            raise PermissionError(13, "Permission denied", str(dst))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(commit_module.os, "replace", replace)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    code = main(["-C", str(project), "build"])
    err = capsys.readouterr().err
    assert code == 8, err
    assert "exit-strategy.pdf (Permission denied); the previous build is left as it was" in err
    assert _outputs(project) == before  # the first arrangement's new files were taken out again


def test_optional_contact_details_never_print_none(tmp_path):
    project = copy_project(tmp_path / "p")
    institution = project / "sources" / "institution.yaml"
    text = institution.read_text()
    text = text.replace('  phone: "+852 3188 4620"\n', "").replace("  email: grace.lam@harbourfront-meridian.example\n", "")
    institution.write_text(text)
    result = regpack(project, "build")
    assert result.returncode == 0, result.stderr
    for path in sorted((project / "build" / ARR / "word").glob("*.docx")):
        assert "None" not in docx_text(path).replace("Nonetheless", ""), path.name
    letter = docx_text(project / "build" / ARR / "word" / "notification-package.docx")
    assert "Please contact Ms Grace Lam Wing-yan, Head of Outsourcing and Third-Party Risk, Risk Management " \
           "Division for any further information." in letter
    manifest = json.loads((project / "build" / ARR / "manifest.json").read_text())
    assert manifest["arrangement"] == ARR


def test_a_place_that_names_its_country_is_not_told_it_twice():
    from pipeline.models.common import Location
    assert str(Location(place="GCP asia-east2 (Hong Kong)", country="Hong Kong")) == "GCP asia-east2 (Hong Kong)"
    assert str(Location(place="AWS ap-east-1", country="Hong Kong")) == "AWS ap-east-1 (Hong Kong)"


def test_sigterm_stops_a_build_cleanly(tmp_path):
    import signal
    project = copy_project(tmp_path / "p")
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "CI": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "-C", str(project), "build"], cwd=project, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (project / "build" / ".staging").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    assert "terminated; nothing was written" in err and "Traceback" not in err
    assert not (project / "build" / ".staging").exists()
    assert not list((project / "build").glob(f"{ARR}/*.pdf"))


def test_a_build_folder_regpack_cannot_use_is_named(tmp_path):
    project = copy_project(tmp_path / "p")
    (project / "build").write_text("not a folder")
    result = regpack(project, "build")
    assert result.returncode == 74, result.stderr
    assert "error: cannot access" in result.stderr and "build" in result.stderr
    assert "internal error" not in result.stderr
