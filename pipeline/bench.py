"""`make bench`: regpack against bare LibreOffice and against the naive pipeline, on one machine.

Generates K synthetic arrangements from the example (varied text, same shape) in a temporary folder
and measures (a) a full regpack build; (b) the limit: the same .docx files converted by bare
LibreOffice, one `soffice --convert-to pdf` batch per worker; (c) the naive pipeline: docxtpl render,
then one `soffice` process per document, sequentially; (d) a rebuild with nothing changed; (e) the edit
round trip: one prose field changed and rebuilt, against bare LibreOffice converting the document it is
in; and full builds at K=10 and K=40 for scaling. Also printed: regpack's LibreOffice workers alone
converting the files of (b) as a build does, the floor under (a). (a) and (b) are interleaved, BENCH_RUNS (5) pairs,
and reported as the median and the largest of the run-by-run ratios: this machine's speed drifts by a
fifth within minutes, and a pair shares the drift. The last line carries the ratios.

regpack's LibreOffice workers preload a faster memory allocator when one is installed (see
pipeline/libreoffice/install.py); the limit (b) is bare LibreOffice as a user runs it, with the system allocator,
and the bench also prints the limit with the workers' allocator so the two effects can be told apart.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

from pipeline.libreoffice.install import fast_allocator, find_soffice

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = "hmb-payments-hub-aws"
EPOCH = "1767225600"


def make_project(folder: Path, k: int) -> Path:
    """K arrangements copied from the example, each with its own id and varied text."""
    (folder / "sources").mkdir(parents=True)
    shutil.copytree(ROOT / "templates", folder / "templates")
    shutil.copy(ROOT / "sources" / "institution.yaml", folder / "sources" / "institution.yaml")
    shutil.copytree(ROOT / "sources" / "schema", folder / "sources" / "schema")
    for n in range(1, k + 1):
        arr_id = f"hmb-synthetic-{n:03d}"
        dest = folder / "sources" / arr_id
        shutil.copytree(ROOT / "sources" / EXAMPLE, dest)
        for path in dest.iterdir():
            if path.suffix not in (".yaml", ".md"):  # enclosures and the like are copied as they are
                continue
            text = path.read_text(encoding="utf-8").replace(EXAMPLE, arr_id)
            if path.name == "arrangement.yaml":
                text = text.replace("title: ", f"title: Synthetic {n:03d} ", 1)
            if path.suffix == ".md":
                text += f"\n\nVariant {n:03d}: this synthetic arrangement exercises the pipeline at scale.\n"
            path.write_text(text, encoding="utf-8")
    return folder


def _run(args: list[str], cwd: Path) -> float:
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "CI": "1"}
    start = time.monotonic()
    subprocess.run(args, cwd=cwd, env=env, check=True, capture_output=True)
    return time.monotonic() - start


RSS_PROBE = ("import resource, sys; from pipeline.cli import main; rc = main(sys.argv[1:]); "
             "print('RSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(rc)")


def regpack_build(project: Path) -> tuple[float, int]:
    """Seconds of a full build and the peak RSS (MB) of the regpack process itself."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "CI": "1"}
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", RSS_PROBE, "-C", str(project), "build"], cwd=project, env=env,
                          capture_output=True, text=True)
    seconds = time.monotonic() - start
    if done.returncode != 0:
        raise SystemExit(f"regpack build failed:\n{done.stdout}\n{done.stderr}")
    rss_kb = int(next(line.split()[1] for line in done.stderr.splitlines() if line.startswith("RSS_KB")))
    return seconds, rss_kb // 1024


def bare_limit(docx: list[Path], workers: int, out: Path, preload: str | None = None) -> float:
    """One `soffice --convert-to pdf` batch per worker, each with its own profile, all at once;
    with the system's memory allocator unless `preload` names another."""
    soffice = find_soffice()
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"} | ({"LD_PRELOAD": preload} if preload else {})
    batches = [docx[i::workers] for i in range(workers)]
    start = time.monotonic()
    procs = []
    for i, batch in enumerate(batches):
        if not batch:
            continue
        (out / f"w{i}").mkdir(parents=True, exist_ok=True)
        procs.append(subprocess.Popen([soffice, f"-env:UserInstallation=file://{out}/profile-{i}", "--headless",
                                       "--convert-to", "pdf", "--outdir", str(out / f"w{i}"), *map(str, batch)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env))
    for proc in procs:
        proc.wait()
    return time.monotonic() - start


def workers_alone(docx: list[Path], workers: int, out: Path) -> float:
    """regpack's LibreOffice workers alone, start-up included, converting the files as a build does
    (PDF/A-2b, contents refreshed): the floor under (a), with none of regpack's other work."""
    from pipeline.libreoffice.converter import ConvertJob, Converter
    out.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with Converter(workers=workers) as converter:
        converter.convert_all([ConvertJob(d, out / f"{i}.pdf", str(i)) for i, d in enumerate(docx)])
    return time.monotonic() - start


def naive(project: Path, out: Path) -> float:
    """The obvious script: render each document with docxtpl, then one soffice process per document."""
    code = (  # docxtpl as documented (no regpack render shortcuts); the same templates, data and filters
        "import io, sys; from pathlib import Path; import jinja2; from docx.shared import Mm\n"
        "from docxtpl import DocxTemplate, InlineImage\n"
        "from pipeline.gather import gather; from pipeline.project import Project, BuildOptions\n"
        "from pipeline.documents.registry import DOCUMENTS, WHERE; from pipeline.documents.spec import DocumentInputs\n"
        "from pipeline.documents.formatting import fmt_date, hours, yesno\n"
        "from pipeline.word.markdown import MarkdownToWord\n"
        "p = Project.at(sys.argv[1]); out = Path(sys.argv[2]); g = gather(p, BuildOptions())\n"
        "for a in g.arrangements:\n"
        "    for s in DOCUMENTS:\n"
        "        ctx = s.context(DocumentInputs(a.loaded.sources, a.coverage, g.catalog, g.form, a.meta, WHERE))\n"
        "        tpl = DocxTemplate(str(p.templates / s.template)); md = MarkdownToWord(tpl)\n"
        "        env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)\n"
        "        env.filters.update(d=fmt_date, yesno=yesno, hours=hours, markdown=md, inline_markdown=md.inline)\n"
        "        ctx['images'] = {k: InlineImage(tpl, io.BytesIO(v.png), width=Mm(v.width_mm))"
        " for k, v in ctx['images'].items()}\n"
        "        tpl.render(ctx, env, autoescape=True); tpl.save(out / f'{a.id}-{s.slug}.docx')\n")
    soffice = find_soffice()
    out.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    subprocess.run([sys.executable, "-c", code, str(project), str(out)], check=True, capture_output=True)
    for docx in sorted(out.glob("*.docx")):
        subprocess.run([soffice, f"-env:UserInstallation=file://{out}/profile", "--headless", "--convert-to", "pdf",
                        "--outdir", str(out), str(docx)], check=True, capture_output=True, timeout=300)
    return time.monotonic() - start


def edit_round_trip(project: Path, rounds: int, out: Path) -> list[tuple[float, float]]:
    """One prose field of one arrangement changed (the board paper's purpose), then: the rebuild, and bare
    LibreOffice converting the one document the field is in (its own `soffice --convert-to pdf`, as the
    limit runs it). Each rebuild is checked to have put the new text into the board paper's PDF."""
    arrangement = sorted(p.name for p in (project / "sources").iterdir() if p.name.startswith("hmb-synthetic-"))[0]
    board = project / "sources" / arrangement / "board.yaml"
    word = project / "build" / arrangement / "word" / "board-paper.docx"
    pdf = project / "build" / arrangement / "pdf" / "board-paper.pdf"
    pairs = []
    for n in range(1, rounds + 1):
        text = re.sub(r"For \*\*approval\*\*( \(edit \d+\))?", f"For **approval** (edit {n})", board.read_text(), 1)
        board.write_text(text, encoding="utf-8")
        rebuild = _run([sys.executable, "-m", "pipeline", "-C", str(project), "build"], project)
        shown = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        if f"(edit {n})" not in " ".join(shown.split()):
            raise SystemExit(f"edit round trip: the rebuilt {pdf} does not show edit {n}")
        pairs.append((rebuild, bare_limit([word], 1, out / f"round{n}")))
    return pairs


def spread(values: list[float], unit: str = " s") -> str:
    return f"median {median(values):.2f}{unit}, {min(values):.2f}-{max(values):.2f} over {len(values)}"


def main() -> None:
    workers = int(os.environ.get("REGPACK_WORKERS") or os.cpu_count() or 1)
    k = int(os.environ.get("BENCH_K", "20"))
    runs = int(os.environ.get("BENCH_RUNS", "5"))
    with tempfile.TemporaryDirectory(prefix="regpack-bench-") as tmp:
        tmp = Path(tmp)
        regpack_build(make_project(tmp / "warm-up", 2))  # disk caches and LibreOffice's profile template
        allocator = fast_allocator()
        full, limit, limit_alloc, alone, rss = [], [], [], [], 0
        for run in range(runs):  # interleaved: a slow spell of the machine hits both sides of a pair
            project = make_project(tmp / f"k{k}-{run}", k)
            seconds, peak = regpack_build(project)
            full.append(seconds)
            rss = max(rss, peak)
            docx = sorted((project / "build").glob("*/word/*.docx"))
            limit.append(bare_limit(docx, workers, tmp / f"limit{run}"))
            if allocator:
                limit_alloc.append(bare_limit(docx, workers, tmp / f"limit-alloc{run}", allocator))
            alone.append(workers_alone(docx, workers, tmp / f"alone{run}"))
            if run < runs - 1:
                shutil.rmtree(project)
        ratios = [f / b for f, b in zip(full, limit)]
        print(f"(a) regpack full build, K={k}: {spread(full)}; peak RSS {rss} MB; "
              f"LibreOffice workers use {allocator or 'the system allocator'}")
        print(f"(b) bare LibreOffice, {len(docx)} documents in {workers} batches: {spread(limit)}")
        print(f"    full/limit, run by run: {', '.join(f'{r:.2f}' for r in ratios)}")
        if allocator:
            print(f"    the same with {allocator} preloaded, as regpack's workers run: {spread(limit_alloc)} "
                  f"(full over that: median {median([f / b for f, b in zip(full, limit_alloc)]):.2f})")
        print(f"(b'') regpack's LibreOffice workers alone, the same files as a build converts them: {spread(alone)} "
              f"(over the limit: median {median([w / b for w, b in zip(alone, limit)]):.2f})")
        naive_s = naive(project, tmp / "naive")
        print(f"(c) naive pipeline (docxtpl + one soffice per document), once: {naive_s:.1f} s")
        noop = [_run([sys.executable, "-m", "pipeline", "-C", str(project), "build"], project) for _ in range(runs)]
        print(f"(d) rebuild with nothing changed: {spread(noop)}")
        edits = edit_round_trip(project, runs, tmp / "edit")
        print(f"(e) one prose field changed, rebuilt: {spread([e for e, _ in edits])}; bare LibreOffice "
              f"converting that document: {spread([b for _, b in edits])}")
        scale = {}
        for size in (10, 40):
            scaled = make_project(tmp / f"k{size}", size)
            scale[size] = regpack_build(scaled)[0]
            print(f"    full build at K={size}: {scale[size]:.1f} s")
            shutil.rmtree(scaled)
    print(f"machine: {os.cpu_count()} cores, {workers} LibreOffice workers")
    print(f"bench: K={k} runs={runs} full_over_limit={median(ratios):.2f} full_over_limit_max={max(ratios):.2f} "
          f"naive_over_full={naive_s / median(full):.2f} noop_over_full={median(noop) / median(full):.3f} "
          f"k40_over_k10={scale[40] / scale[10]:.2f} edit_over_doc={median([e / b for e, b in edits]):.2f} "
          f"peak_rss_mb={rss}")


if __name__ == "__main__":
    main()
