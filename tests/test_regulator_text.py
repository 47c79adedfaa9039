"""What the HKMA reads carries none of regpack's own ids or name: a draft warns (and comments), a final
build refuses. Text meant only for the board may cite ids."""

from __future__ import annotations

from conftest import ARR, copy_project
from pipeline.cli import main

A = f"sources/{ARR}"


def _check(project, capsys, *args):
    code = main(["-C", str(project), "check", *args])
    return code, [line for line in capsys.readouterr().err.splitlines() if "regpack's requirement id" in line
                  or "the tool's name" in line or "internal ids" in line]


def test_requirement_ids_in_regulator_prose_warn_and_fail_final(tmp_path, capsys, monkeypatch):
    project = copy_project(tmp_path / "p")
    monkeypatch.chdir(project)
    controls = project / A / "controls.yaml"
    controls.write_text(controls.read_text().replace(
        "an open item under\n      SA-2 §2.9.1(c).", "an open item under\n      SA2-2.9.1c-customer-location-notice.", 1))
    line = next(i for i, text in enumerate(controls.read_text().splitlines(), start=1)
                if "SA2-2.9.1c-customer-location-notice." in text)
    code, lines = _check(project, capsys)
    assert code == 0
    assert lines == [f"warning: {A}/controls.yaml:{line}: 'SA2-2.9.1c-customer-location-notice' is regpack's "
                     "requirement id, which the HKMA's documents must not show: cite the instrument and paragraph "
                     "instead (e.g. SA-2 §2.9.1(c))"]
    code, lines = _check(project, capsys, "--final")
    assert code == 2 and "a final build sends the regulator no internal ids or tool wording" in lines[0]


def test_ids_as_data_and_in_board_text_are_fine(tmp_path, capsys, monkeypatch):
    project = copy_project(tmp_path / "p")
    monkeypatch.chdir(project)
    board = project / A / "board.yaml"
    text = board.read_text()
    assert 'agenda_item: "Item 7:' in text
    board.write_text(text.replace('agenda_item: "Item 7:', 'agenda_item: "SA2-2.2.1a-criticality, Item 7:', 1))
    code, lines = _check(project, capsys, "--final", "--strict")
    assert code == 0 and lines == []
