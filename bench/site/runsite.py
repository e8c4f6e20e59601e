"""Everything the site needs for one run: the page, its charts and the files it links.

This is the seam between the core and a site generator: it knows nothing of MkDocs.
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeAlias, TypeVar

from bench.record.analysis import RunAnalysis
from bench.record.archive import ArchivedRun
from bench.record.files import Stamp, stamp
from bench.record.safety import as_text_file
from bench.record.schema import RECORD_FILENAME, CascadeSample, RunRecord, Sample
from bench.site.cache import BuildCache, CacheStamp, checked_stamp, compact_record, file_copy
from bench.site.charts.frontier import FrontierChart, frontier_chart
from bench.site.charts.model import Chart, charts_for, svg_path_for
from bench.site.index import IndexEntry
from bench.site.report import REPORT_NAME, ReportPage, report_page
from bench.site.suitepage import TASKS_FOLDER, TaskPage, is_suite, task_page

TRENDS_PAGE_NAME = "trends"  # each benchmark's trends page: <benchmark>/trends.html
Names: TypeAlias = tuple[tuple[str, str], ...]  # tag -> the model's name across the site


@dataclass(frozen=True)
class SiteFile:
    """A file of the built site, linked from `source`, a file of the cache; a file listed
    between builds carries the SHA-256 of its bytes and its stamp when they were read, which
    the publisher checks (`bench.site.cache.unchanged`)."""

    site_path: str
    source: str  # a path: text, as the listing cache keeps it (a Path takes 10x to read back)
    digest: str | None = None
    stamp: CacheStamp | None = None

    @classmethod
    def checked(cls, site_path: str, source: Path) -> SiteFile:
        digest, found = checked_stamp(source)
        return cls(site_path, str(source), digest, found)

    @classmethod
    def listed(cls, site_path: str, source: str, digest: str, stamp: CacheStamp) -> SiteFile:
        """The file as a listing read back names it (`bench.site.listed`): its fields set
        at once, not one by one as a frozen dataclass's `__init__` does (~3x the cost, for
        the ~200,000 files of 10,000 runs' listings a build reads)."""
        found = object.__new__(cls)
        found.__dict__.update(site_path=site_path, source=source, digest=digest, stamp=stamp)
        return found


class Analyses:
    """The records and analyses a build has in hand: the last few asked for. A build asks for
    a run's several times in a row (its listing, marks and trend; then each of its pages) but
    cannot hold every run's: 10,000 records take ~800 MB, and their analyses, filled in as the
    pages are rendered, as much again. One a build, shared by its runs."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._records: OrderedDict[str, RunRecord] = OrderedDict()  # by digest
        self._analyses: OrderedDict[tuple[str, Names], RunAnalysis] = OrderedDict()

    def of(self, archived: ArchivedRun, names: Names) -> RunAnalysis:
        """The run's analysis in these names of its models: kept, or made (its record read
        again, ~2 ms, unless kept)."""
        key = (archived.digest, names)
        found = _recent(self._analyses, key)
        if found is None:
            record = _recent(self._records, archived.digest)
            if record is None:
                record = _keep(self._records, archived.digest, archived.read(), self.size)
            found = _keep(self._analyses, key, RunAnalysis(record, dict(names)), self.size)
        return found


K = TypeVar("K")
V = TypeVar("V")


def _recent(kept: OrderedDict[K, V], key: K) -> V | None:
    found = kept.get(key)
    if found is not None:
        kept.move_to_end(key)
    return found


def _keep(kept: OrderedDict[K, V], key: K, value: V, size: int) -> V:
    kept[key] = value
    if len(kept) > size:
        kept.popitem(last=False)
    return value


@dataclass(frozen=True)
class RunSite:
    archived: ArchivedRun
    cache: BuildCache  # the build's, shared by every run
    analyses: Analyses  # the build's, shared by every run
    names: Names = ()  # tag -> the model's name across the site

    @property
    def analysis(self) -> RunAnalysis:
        """Made when asked, kept a while: a build whose run is listed from the cache never asks."""
        return self.analyses.of(self.archived, self.names)

    @property
    def own(self) -> RunAnalysis:
        """The run in its own names: what its listing is made from (kept by the record's digest
        alone, whatever the site around it)."""
        return self.analyses.of(self.archived, ())

    def named(self, names: Mapping[str, str]) -> RunSite:
        """This run with the site's names for its models (`bench.record.models`)."""
        return RunSite(self.archived, self.cache, self.analyses, tuple(sorted(names.items())))

    @property
    def charts(self) -> tuple[Chart | FrontierChart, ...]:
        """Built when asked (~1 ms), not kept: a site build holds every run's RunSite."""
        return (*charts_for(self.analysis, self.cache), frontier_chart(self.analysis, self.cache))

    @property
    def folder(self) -> str:
        facts = self.archived.facts
        return f"{facts.benchmark_id}/{facts.run_id}"

    @property
    def page_src(self) -> str:
        """Source path of the generated page (`report.md` becomes `report.html`)."""
        return f"{self.folder}/{REPORT_NAME.removesuffix('.html')}.md"

    def task_src(self, task_id: str) -> str:
        return f"{self.folder}/{TASKS_FOLDER}/{task_id}.md"

    def task_page(self, task_id: str) -> TaskPage:
        return task_page(self.analysis, task_id, self.archived.folder)

    def task_candidates(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Each task that has a page of its own (a suite's every task; none for one task),
        with the archived candidates its page shows."""
        if not is_suite(self.analysis):
            return ()
        r = self.analysis.record
        found: dict[str, list[str]] = {task: [] for task in r.task_ids}
        samples: list[Sample | CascadeSample] = [s for d in r.direct for s in d.samples]
        samples += [s for c in r.cascades for s in c.samples]
        for s in samples:
            file = s.evaluation.candidate
            if s.task in found and file is not None and file.path is not None:
                found[s.task].append(file.path)
        return tuple((task, tuple(paths)) for task, paths in found.items())

    def index_entry(self) -> IndexEntry:
        return IndexEntry.of(self.own)

    def page(self, compared_run: str | None = None) -> ReportPage:
        """The page's model, made when its page is written and dropped after;
        `compared_run`: the run its comparison section (`report.html#compare`) is against."""
        trends = f"{self.archived.facts.benchmark_id}/{TRENDS_PAGE_NAME}.html"
        page = report_page(self.analysis, self.charts, trends_href=trends)
        if compared_run is None:
            return page
        return replace(page, banner=replace(page.banner, compared_run=compared_run))

    def files(self, cache_dir: Path) -> list[SiteFile]:
        """The raw record, each archived candidate (as text: `x.svg` is published as
        `x.svg.txt`), and each chart as SVG (its spec is made in the browser: `charts.specs`),
        all from `cache_dir`, each checked to hold what this code makes of the record (drawn or
        copied into it again otherwise)."""
        record = compact_record(self.archived.path, self.archived.digest, cache_dir)
        found = [SiteFile.checked(f"{self.folder}/{RECORD_FILENAME}", record)]
        for path in self.archived.candidate_paths():
            copy = file_copy(self.archived.folder / path, cache_dir)
            found.append(SiteFile.checked(f"{self.folder}/{as_text_file(path)}", copy))
        for chart in self.charts:
            if chart.rows:
                svg = f"{self.folder}/charts/{chart.name}.svg"
                found.append(SiteFile.checked(svg, svg_path_for(chart, cache_dir)))
        return found


def stamps(folder: Path, paths: Iterable[str]) -> tuple[tuple[str, Stamp], ...]:
    """Each file's path in `folder` and its stamp: what says it is the one its cached copy was
    made from, without reading it."""
    return tuple((path, stamp(os.stat(os.path.join(folder, path)))) for path in paths)


def task_digests(folder: Path, tasks: Iterable[tuple[str, Sequence[str]]]) -> dict[str, str]:
    """Task id -> SHA-256 of its archived candidates (paths and bytes) in the run `folder`:
    its page shows them, so a changed file renders the page again."""
    found = {}
    for task, paths in tasks:
        digest = hashlib.sha256(task.encode())
        for path in paths:
            digest.update(path.encode() + b"\0")
            digest.update((folder / path).read_bytes() + b"\0")
        found[task] = digest.hexdigest()
    return found


def run_site(archived: ArchivedRun, cache: BuildCache, analyses: Analyses) -> RunSite:
    return RunSite(archived, cache, analyses)
