"""`make bench`: regpack against bare LibreOffice and against the naive pipeline, on one machine.

Generates K synthetic arrangements from the example (varied text, same shape) in a temporary folder
and measures (a) a full regpack build; (b) the limit: the same .docx files converted by bare
LibreOffice, one `soffice --convert-to pdf` batch per worker; (c) the naive pipeline: docxtpl render,
then one `soffice` process per document, sequentially; (d) a rebuild with nothing changed; and full
builds at K=10 and K=40 for scaling. The last line carries the ratios.

regpack's LibreOffice workers preload a faster memory allocator when one is installed (see
pipeline/office.py); the limit (b) is bare LibreOffice as a user runs it, with the system allocator,
and the bench also prints the limit with the workers' allocator so the two effects can be told apart.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def best_full_build(folder: Path, k: int, runs: int) -> tuple[float, int, Path]:
    """Fastest of `runs` full builds of a fresh K-arrangement project (this machine's timings vary
    by a third from run to run, so each figure is the best of a few)."""
    best, rss, project = float("inf"), 0, folder
    for run in range(runs):
        project = make_project(folder / f"run{run}", k)
        seconds, peak = regpack_build(project)
        if seconds < best:
            best, rss = seconds, peak
        rss = max(rss, peak)
    return best, rss, project


def main() -> None:
    workers = int(os.environ.get("REGPACK_WORKERS") or os.cpu_count() or 1)
    k = int(os.environ.get("BENCH_K", "20"))
    runs = int(os.environ.get("BENCH_RUNS", "2"))
    with tempfile.TemporaryDirectory(prefix="regpack-bench-") as tmp:
        tmp = Path(tmp)
        regpack_build(make_project(tmp / "warm-up", 2))  # disk caches and LibreOffice's profile template
        allocator = fast_allocator()
        full, rss, limit, limit_alloc = float("inf"), 0, float("inf"), float("inf")
        for run in range(runs):  # interleaved, so that a slow spell of the machine hits both sides
            seconds, peak, project = best_full_build(tmp / f"k{k}-{run}", k, 1)
            full, rss = min(full, seconds), max(rss, peak)
            docx = sorted((project / "build").glob("*/word/*.docx"))
            limit = min(limit, bare_limit(docx, workers, tmp / f"limit{run}"))
            if allocator:
                limit_alloc = min(limit_alloc, bare_limit(docx, workers, tmp / f"limit-alloc{run}", allocator))
        print(f"(a) regpack full build, K={k}: {full:.1f} s (best of {runs}), peak RSS {rss} MB; "
              f"LibreOffice workers use {allocator or 'the system allocator'}")
        print(f"(b) bare LibreOffice, {len(docx)} documents in {workers} batches: {limit:.1f} s (best of {runs})")
        if allocator:
            print(f"    the same with {allocator} preloaded, as regpack's workers run: {limit_alloc:.1f} s "
                  f"(regpack over that: {full / limit_alloc:.2f})")
        naive_s = naive(project, tmp / "naive")
        print(f"(c) naive pipeline (docxtpl + one soffice per document): {naive_s:.1f} s")
        noop = min(_run([sys.executable, "-m", "pipeline", "-C", str(project), "build"], project) for _ in range(3))
        print(f"(d) rebuild with nothing changed: {noop:.2f} s (best of 3)")
        scale = {}
        for size in (10, 40):
            scale[size], _, scaled = best_full_build(tmp / f"k{size}", size, 1)
            print(f"    full build at K={size}: {scale[size]:.1f} s")
            shutil.rmtree(scaled)
    print(f"machine: {os.cpu_count()} cores, {workers} LibreOffice workers")
    print(f"bench: K={k} full_over_limit={full / limit:.2f} naive_over_full={naive_s / full:.2f} "
          f"noop_over_full={noop / full:.3f} k40_over_k10={scale[40] / scale[10]:.2f} peak_rss_mb={rss}")


if __name__ == "__main__":
    main()
