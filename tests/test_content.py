"""The build proves its content: every prose value of the sources reaches a document, and the PDF."""

from __future__ import annotations

import subprocess

from conftest import copy_project, regpack
from docxread import docx_text
from markers import marked_project


def test_every_source_value_reaches_a_word_document_and_its_pdf(tmp_path):
    project = copy_project(tmp_path / "p")
    markers = marked_project(project)
    assert len(markers) > 700  # every prose value of the example, fields declared internal left out
    result = regpack(project, "build")
    assert result.returncode == 0, result.stderr
    build = project / "build"
    word = " ".join(docx_text(p) for p in sorted(build.rglob("word/*.docx"))).lower()
    pdf = " ".join(subprocess.run(["pdftotext", str(p), "-"], capture_output=True, text=True, check=True).stdout
                   for p in sorted(build.rglob("pdf/*.pdf"))).lower()
    in_word = {m for m in markers if m in word}
    missing = sorted(f"{m} {markers[m]}" for m in set(markers) - in_word)
    assert not missing, "source values no document shows (render them or declare the field internal):\n" + \
        "\n".join(missing)
    lost = sorted(f"{m} {markers[m]}" for m in in_word if m not in pdf)
    assert not lost, "in a Word document but not in its PDF:\n" + "\n".join(lost)


def _form(project):
    from pipeline.documents.registry import WHERE
    from pipeline.documents.risk_assessment_form import SPEC
    from pipeline.documents.spec import DocumentInputs
    from pipeline.gather import gather
    from pipeline.project import BuildOptions, Project
    g = gather(Project.at(project), BuildOptions(), lint=False)
    (a,) = g.arrangements
    return SPEC.context(DocumentInputs(a.loaded.sources, a.coverage, g.catalog, g.form, a.meta, WHERE))["form"]


def test_the_form_answers_each_question_with_its_own_text(tmp_path):
    form = _form(copy_project(tmp_path / "p"))
    answers = [(q["id"], q["answer"]) for part in form["parts"] for q in part["questions"]]
    answers += [(r["citation"], r["explanation"]) for part in form["parts"] for r in part["rows"]]
    seen: dict[str, str] = {}
    repeated = [f"{qid} repeats {seen[text]}" for qid, text in answers if seen.setdefault(text, qid) != qid]
    assert not repeated
    by_id = {q["id"]: q["answer"] for part in form["parts"] for q in part["questions"]}
    assert "Singapore authorities can obtain data held in Singapore only by a court order" in by_id["D6"]
    assert "AWS Enterprise Support engineers" in by_id["C9"] and "HMB operations centres" not in by_id["C9"]
    assert "will not consent to such access before consulting the HKMA" in by_id["F4"]


def test_requirement_counts_read_the_same_everywhere(built_project):
    import json
    import re
    result = regpack(built_project, "coverage", "--json")
    applicable = {a: v["applicable"] for a, v in json.loads(result.stdout)["arrangements"].items()}
    (count,) = applicable.values()
    stated = []
    for path in sorted((built_project / "build").rglob("word/*.docx")):
        text = docx_text(path)
        stated += [(path.name, int(n)) for n in re.findall(r"\b(\d+)\s+(?:applicable\s+)?(?:regulatory\s+)?requirements\b",
                                                             text)]
        stated += [(path.name, int(n)) for n in re.findall(r"\bOf (\d+) applicable requirements", text)]
    assert stated and all(n == count for _, n in stated), stated
