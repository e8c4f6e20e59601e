"""Everything the site needs for one run: the page, its charts and the files it links.

This is the seam between the core and a site generator: it knows nothing of MkDocs.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path

from bench.record.analysis import RunAnalysis
from bench.record.archive import ArchivedRun
from bench.record.files import write_atomic
from bench.record.safety import as_text_file
from bench.record.schema import RECORD_FILENAME, CascadeSample, Sample
from bench.site.cache import BuildCache, compact_record
from bench.site.charts.frontier import FrontierChart, frontier_chart
from bench.site.charts.model import Chart, charts_for, spec_path_for, svg_path_for
from bench.site.index import IndexEntry
from bench.site.report import REPORT_NAME, ReportPage, report_page
from bench.site.suitepage import TASKS_FOLDER, TaskPage, is_suite, task_page

TRENDS_PAGE_NAME = "trends"  # each benchmark's trends page: <benchmark>/trends.html


@dataclass(frozen=True)
class SiteFile:
    """A file of the built site, copied from `source`."""

    site_path: str
    source: Path


@dataclass(frozen=True)
class RunSite:
    archived: ArchivedRun
    analysis: RunAnalysis
    cache: BuildCache  # the build's, shared by every run

    @property
    def charts(self) -> tuple[Chart | FrontierChart, ...]:
        """Built when asked (~1 ms), not kept: a site build holds every run's RunSite."""
        return (*charts_for(self.analysis, self.cache), frontier_chart(self.analysis, self.cache))

    @property
    def folder(self) -> str:
        r = self.archived.record
        return f"{r.benchmark_id}/{r.run_id}"

    @property
    def page_src(self) -> str:
        """Source path of the generated page (`report.md` becomes `report.html`)."""
        return f"{self.folder}/{REPORT_NAME.removesuffix('.html')}.md"

    @property
    def title(self) -> str:
        r = self.archived.record
        return f"{r.title} · {r.run_id}"

    @property
    def task_ids(self) -> tuple[str, ...]:
        """The tasks that have a page of their own: a suite's every task; none for one task."""
        return self.archived.record.task_ids if is_suite(self.analysis) else ()

    def task_src(self, task_id: str) -> str:
        return f"{self.folder}/{TASKS_FOLDER}/{task_id}.md"

    def task_page(self, task_id: str) -> TaskPage:
        return task_page(self.analysis, task_id, self.archived.folder)

    def task_digests(self) -> dict[str, str]:
        """Task id -> SHA-256 of its archived candidates (paths and bytes): its page shows them."""
        r = self.archived.record
        digests = {task: hashlib.sha256(task.encode()) for task in self.task_ids}
        samples: list[Sample | CascadeSample] = [s for d in r.direct for s in d.samples]
        samples += [s for c in r.cascades for s in c.samples]
        for s in samples:
            file = s.evaluation.candidate
            if s.task in digests and file is not None and file.path is not None:
                digests[s.task].update(file.path.encode() + b"\0")
                digests[s.task].update((self.archived.folder / file.path).read_bytes() + b"\0")
        return {task: d.hexdigest() for task, d in digests.items()}

    def index_entry(self) -> IndexEntry:
        return IndexEntry.of(self.analysis)

    def page(self, compared_run: str | None = None) -> ReportPage:
        """The page's model, made when its page is written and dropped after;
        `compared_run`: the run its comparison page (`compare.html`) is against."""
        trends = f"{self.archived.record.benchmark_id}/{TRENDS_PAGE_NAME}.html"
        page = report_page(self.analysis, self.charts, trends_href=trends)
        if compared_run is None:
            return page
        return replace(page, banner=replace(page.banner, compared_run=compared_run))

    def files(self, cache_dir: Path) -> list[SiteFile]:
        """The raw record, each archived candidate (as text: `x.svg` is published as
        `x.svg.txt`), and each chart as SVG and as spec.

        Charts not yet in `cache_dir` are drawn into it. The list is kept there too, under the
        record's digest and the code's (`BuildCache.code`), and used while every file it names
        is there: an unchanged run's charts are not even built (~3 ms a run).
        """
        listed = cache_dir / "files" / f"{self.archived.digest}-{self.cache.code}.json"
        with contextlib.suppress(OSError, ValueError, TypeError):
            kept = [SiteFile(site, Path(source)) for site, source in json.loads(listed.read_text())]
            if all(f.source.is_file() for f in kept):
                return kept
        found = self._files(cache_dir)
        rows = [[f.site_path, str(f.source)] for f in found]
        write_atomic(listed, json.dumps(rows, ensure_ascii=False) + "\n", durable=False)
        return found

    def _files(self, cache_dir: Path) -> list[SiteFile]:
        record = compact_record(self.archived.path, self.archived.digest, cache_dir)
        found = [SiteFile(f"{self.folder}/{RECORD_FILENAME}", record)]
        for path in self.archived.candidate_paths():
            found.append(
                SiteFile(f"{self.folder}/{as_text_file(path)}", self.archived.folder / path)
            )
        for chart in self.charts:
            if chart.rows:
                charts = f"{self.folder}/charts/{chart.name}"
                found.append(SiteFile(f"{charts}.svg", svg_path_for(chart, cache_dir)))
                found.append(SiteFile(f"{charts}.vl.json", spec_path_for(chart, cache_dir)))
        return found


def run_site(archived: ArchivedRun, cache: BuildCache) -> RunSite:
    return RunSite(archived, RunAnalysis(archived.record), cache)
