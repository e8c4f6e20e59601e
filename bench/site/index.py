"""The site's home page: the newest runs, grouped by benchmark, and a link to each benchmark's
page (leaderboard, months) so the page stays small whatever the archive holds.

Without JavaScript every run is a link or two away (benchmark page, month page). With it,
`assets/index.js` shows filters (benchmark, model, host, CPU, GPU, date range, free text) that
search every run, loading the data files of the benchmarks and months a filter can match
(`<benchmark>/runs/YYYY-MM.js`) only when it is set, and makes the columns sortable.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from jinja2 import Environment

from bench.record.analysis import DirectSummary, Outcomes, RunAnalysis
from bench.record.hosts import HostSummary, facets_of
from bench.record.safety import printable
from bench.record.schema import METHODOLOGY_VERSION, RunStatus
from bench.site import fmt, summary
from bench.site.report import report_path

DATE_FORMAT = "%Y-%m-%d %H:%M"
TEMPLATE = "bench/index.html"
NO_GPU = "none"  # the GPU filter's value for a host that had none; index.js reads it off the option


@dataclass(frozen=True)
class IndexEntry:
    """One run as the index lists it; computed by the same analysis the run page uses."""

    benchmark_id: str
    run_id: str
    title: str
    date: str
    host: str
    best_direct: str
    best_cascade: str
    href: str
    status: str
    methodology_version: int
    models: tuple[str, ...]  # display names, as the run page names them
    sort_key: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    best_direct_score: float | None
    best_cascade_score: float | None
    model_tags: tuple[str, ...] = ()  # the server's tags, one per name in `models`
    best_direct_tag: str | None = None
    best_cascade_tags: str | None = None
    host_summary: HostSummary | None = None  # None for a record made before fingerprints
    failed_calls: int = 0  # calls that failed on the model (a timeout, an unusable reply)
    missing_calls: int = 0  # calls that failed on the infrastructure: missing data
    marks: str = ""  # clear changes against the previous run on the same host

    @classmethod
    def of(cls, run: RunAnalysis) -> IndexEntry:
        r = run.record
        best_direct, best_cascade = run.best_direct, run.best_cascade
        models = _models(run)
        missing = run.missing_calls
        return cls(
            benchmark_id=r.benchmark_id,
            run_id=r.run_id,
            title=r.title,
            date=r.started_at.strftime(DATE_FORMAT),
            host=r.host,
            best_direct=summary.best_direct_text(run),
            best_cascade=summary.best_cascade_text(run),
            href=report_path(r),
            status=r.status.value,
            methodology_version=r.methodology_version,
            models=tuple(d.name for d in models),
            sort_key=r.started_at.isoformat() + r.run_id,
            started_at=r.started_at,
            finished_at=r.finished_at,
            best_direct_score=run.headline_pts(best_direct) if best_direct else None,
            best_cascade_score=run.headline_pts(best_cascade) if best_cascade else None,
            model_tags=tuple(d.tag for d in models),
            best_direct_tag=best_direct.tag if best_direct else None,
            best_cascade_tags=best_cascade.tags if best_cascade else None,
            host_summary=run.host,
            failed_calls=len(run.call_failures) - missing,
            missing_calls=missing,
        )

    def named(self, names: Mapping[str, str]) -> IndexEntry:
        """This entry with the site's name of each model (tag -> name, `bench.record.models`)
        where the run named it otherwise."""
        own = dict(zip(self.model_tags, self.models, strict=False))  # () before tags were kept
        renamed = {tag: names[tag] for tag in own if tag in names and names[tag] != own[tag]}
        if not renamed:
            return self

        def swap(text: str, tags: str | None) -> str:
            if tags is None:
                return text
            parts = tags.split(" -> ")
            before = " -> ".join(own.get(t, t) for t in parts)
            after = " -> ".join(names.get(t, own.get(t, t)) for t in parts)
            return after + text.removeprefix(before) if text.startswith(before) else text

        return self.changed(
            models=tuple(renamed.get(t, m) for t, m in own.items()),
            best_direct=swap(self.best_direct, self.best_direct_tag),
            best_cascade=swap(self.best_cascade, self.best_cascade_tags),
        )

    def changed(self, **fields: object) -> IndexEntry:
        """This entry with other values of these `fields`: `dataclasses.replace` without its
        checks (it calls `__init__` again, ~20x the cost, for 10,000 entries a build)."""
        unknown = fields.keys() - self.__dict__.keys()
        assert not unknown, unknown
        found = object.__new__(IndexEntry)
        found.__dict__.update(self.__dict__, **fields)
        return found

    @property
    def failed(self) -> bool:
        """Every call failed: the run has no figures."""
        return self.status == RunStatus.FAILED

    @property
    def notes(self) -> tuple[str, ...]:
        found = []
        if self.status != RunStatus.COMPLETE:
            found.append(self.status)
        if self.failed_calls:
            found.append(f"{_calls(self.failed_calls)} failed")
        if self.missing_calls:
            found.append(f"{_calls(self.missing_calls)} missing (server)")
        if self.methodology_version < METHODOLOGY_VERSION:
            found.append(f"methodology v{self.methodology_version}")
        if self.marks:
            found.append(self.marks)
        return tuple(found)

    @property
    def host_print(self) -> str | None:
        """`AMD Ryzen 9 7950X, 16 cores, 62.5 GiB, NVIDIA RTX 4090`: the host's short
        fingerprint, shown beside its name; None for a record without one."""
        host = self.host_summary
        if host is None:
            return None
        parts = [host.cpu_model] if host.cpu_model else []
        cores = host.physical_cores or host.logical_cores
        if cores is not None:
            parts.append(f"{cores} cores")
        if host.memory_gib is not None:
            parts.append(fmt.gib(host.memory_gib))
        parts += host.gpu_names
        return ", ".join(parts) or None

    @property
    def cpu(self) -> str | None:
        """The host's CPU, as the CPU filter offers it; None when not known."""
        return self.host_summary.cpu_model if self.host_summary else None

    @property
    def gpus_json(self) -> str | None:
        """The host's GPUs as a JSON list for the filter script (`[]`: it had none); None for
        a record without a fingerprint, which only the filter's "All" matches."""
        if self.host_summary is None:
            return None
        return json.dumps([printable(g) for g in self.host_summary.gpu_names], ensure_ascii=False)

    @property
    def tags_json(self) -> str:
        """The models' tags as a JSON list: the free-text filter finds a run by tag too."""
        return json.dumps([printable(t) for t in self.model_tags], ensure_ascii=False)

    @property
    def best_direct_title(self) -> str | None:
        """The best model's tag, where its name is shown; None when the name is the tag."""
        return _title(self.best_direct_tag, self.best_direct)

    @property
    def best_cascade_title(self) -> str | None:
        return _title(self.best_cascade_tags, self.best_cascade)

    @property
    def models_json(self) -> str:
        """The models as a JSON list, for the filter script: as the filter's options show them
        (control characters made visible, as in every built file)."""
        return json.dumps([printable(m) for m in self.models], ensure_ascii=False)

    @property
    def best_direct_value(self) -> str | None:
        """The sortable number behind `best_direct`, or None."""
        return _score_value(self.best_direct_score)

    @property
    def best_cascade_value(self) -> str | None:
        return _score_value(self.best_cascade_score)


def newest_first(entries: Iterable[IndexEntry]) -> list[IndexEntry]:
    return sorted(entries, key=lambda x: x.sort_key, reverse=True)


@dataclass(frozen=True)
class Column:
    label: str
    sort: str  # how index.js sorts it: date, text, number


COLUMNS = (
    Column("Date (UTC)", "date"),
    Column("Run", "text"),
    Column("Host", "text"),
    Column("Best direct", "number"),
    Column("Best cascade", "number"),
    Column("Notes", "text"),
)


@dataclass(frozen=True)
class BenchmarkGroup:
    """One benchmark's runs, newest first, and the link to its trends page."""

    benchmark_id: str
    title: str
    entries: tuple[IndexEntry, ...]  # the newest, at most the home page's limit
    trends_href: str | None
    total: int | None = None  # every run of the benchmark; None: `entries` are all
    page_href: str | None = None  # the benchmark's page: leaderboard and months

    @property
    def count(self) -> str:
        n = len(self.entries) if self.total is None else self.total
        return f"{n} run{'s' if n != 1 else ''}"

    @property
    def shown(self) -> str | None:
        """`newest 50 shown`, when the home page lists only some of them."""
        n = len(self.entries)
        return None if self.total is None or n == self.total else f"newest {n} shown"


@dataclass(frozen=True)
class BenchmarkLink:
    """A benchmark as the home page lists it, with or without runs among the newest."""

    benchmark_id: str
    title: str
    count: str
    href: str


@dataclass(frozen=True)
class IndexPage:
    """The runs index: the filters' choices and each benchmark's runs, newest group first."""

    feed: str | None
    benchmarks: tuple[str, ...]
    models: tuple[str, ...]  # display names
    hosts: tuple[str, ...]
    columns: tuple[Column, ...]
    groups: tuple[BenchmarkGroup, ...]
    model_titles: Mapping[str, str] = field(default_factory=dict)  # name -> its tags, if other
    cpus: tuple[str, ...] = ()
    gpus: tuple[str, ...] = ()
    no_gpu: str | None = None  # the GPU filter's "No GPU" value, when some host had none
    total: int = 0  # runs in the archive
    listing: tuple[BenchmarkLink, ...] = ()  # every benchmark that has a page
    # benchmark -> month -> its data files' stems (`bench.site.browse.data_sources`)
    data: Mapping[str, Mapping[str, Sequence[str]]] = field(default_factory=dict)


def index_page(
    entries: Sequence[IndexEntry],
    *,
    trends: Mapping[str, str] | None = None,
    feed: str | None = None,
    limit: int | None = None,
    pages: Mapping[str, str] | None = None,
    data: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
) -> IndexPage:
    """The model of the runs index; links are relative to the site root.

    Args:
        trends: benchmark id -> path of its trends page, linked from its section.
        feed: path of the Atom feed of runs, linked above the tables.
        limit: list only the newest `limit` runs (the filters still offer every value).
        pages: benchmark id -> path of its page (leaderboard, months).
        data: benchmark id -> month -> paths of its data files, without `.js`.
    """
    groups: dict[str, list[IndexEntry]] = defaultdict(list)
    totals: dict[str, int] = defaultdict(int)
    titles: dict[str, str] = {}
    for x in entries:
        totals[x.benchmark_id] += 1
        titles.setdefault(x.benchmark_id, x.title)
    for entry in newest_first(entries)[:limit]:
        groups[entry.benchmark_id].append(entry)
    by_newest = sorted(groups.values(), key=lambda g: g[0].sort_key, reverse=True)
    tags: dict[str, set[str]] = defaultdict(set)
    for x in entries:
        for name, tag in zip(x.models, x.model_tags, strict=True):
            tags[name].add(tag)
    facets = facets_of(x.host_summary for x in entries)
    return IndexPage(
        feed=feed,
        benchmarks=tuple(sorted({x.benchmark_id for x in entries})),
        models=tuple(sorted({name for x in entries for name in x.models})),
        model_titles={n: ", ".join(sorted(t)) for n, t in tags.items() if t != {n}},
        cpus=facets.cpus,
        gpus=facets.gpus,
        no_gpu=NO_GPU if any(x.gpus_json == "[]" for x in entries) else None,
        hosts=tuple(sorted({x.host for x in entries})),
        columns=COLUMNS,
        groups=tuple(
            BenchmarkGroup(
                g[0].benchmark_id,
                g[0].title,
                tuple(g),
                (trends or {}).get(g[0].benchmark_id),
                totals[g[0].benchmark_id] if limit is not None else None,
                (pages or {}).get(g[0].benchmark_id),
            )
            for g in by_newest
        ),
        total=len(entries),
        data=dict(data or {}),
        listing=tuple(
            BenchmarkLink(b, titles[b], _runs(totals[b]), href)
            for b, href in sorted((pages or {}).items())
            if b in totals
        ),
    )


def render_index(
    env: Environment,
    entries: Sequence[IndexEntry],
    *,
    trends: Mapping[str, str] | None = None,
    feed: str | None = None,
    limit: int | None = None,
    pages: Mapping[str, str] | None = None,
    data: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
) -> str:
    """HTML for the runs index, from the build's `bench/index.html`; see `index_page`."""
    page = index_page(entries, trends=trends, feed=feed, limit=limit, pages=pages, data=data)
    return env.get_template(TEMPLATE).render(index=page)


def _score_value(score: float | None) -> str | None:
    return None if score is None else fmt.number(score, 3)


def _models(run: RunAnalysis) -> list[DirectSummary]:
    """Every direct model the run asked, in record order, measured or not: a run whose calls
    all failed is still found by its models (named as the run page names them)."""
    measured = {d.tag: d for d in run.direct}
    legacy = run.record.provenance.legacy is not None
    return [
        measured.get(d.model.tag) or DirectSummary(d, Outcomes((), ()), legacy)
        for d in run.record.direct
    ]


def _runs(n: int) -> str:
    return f"{n} run{'s' if n != 1 else ''}"


def _calls(n: int) -> str:
    return f"{n} call{'s' if n != 1 else ''}"


def _title(tags: str | None, shown: str) -> str | None:
    return tags if tags is not None and not shown.startswith(tags + " (") else None
