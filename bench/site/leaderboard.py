"""Every model of a benchmark on every host: its runs, and the leaderboard row they make.

A model is its tag and quantization; a row is one model on one host. The figures are the run
pages' (`DirectSummary`: medians over repeats) and `bench.record.stats`' intervals: each run's
score interval over its samples, and the median over runs with its order-statistics interval.
"""

from __future__ import annotations

import hashlib
import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from bench.record.analysis import DirectSummary, RunAnalysis
from bench.record.history import Mark
from bench.record.stats import Interval, median_interval
from bench.site import fmt
from bench.site.report import report_path

MODELS_FOLDER = "models"  # <benchmark>/models/<model>.html


@dataclass(frozen=True)
class ModelKey:
    tag: str
    quantization: str | None

    @property
    def label(self) -> str:
        return self.tag if self.quantization is None else f"{self.tag} · {self.quantization}"

    @property
    def slug(self) -> str:
        """A file name for the model's page: readable, and unique by a hash of the key."""
        readable = re.sub(r"[^A-Za-z0-9._-]+", "-", self.label).strip("-.")[:60] or "model"
        digest = hashlib.sha256(f"{self.tag}\0{self.quantization}".encode()).hexdigest()[:8]
        return f"{readable}-{digest}"


def model_key(summary: DirectSummary) -> ModelKey:
    return ModelKey(summary.tag, summary.model.quantization)


def model_page_path(benchmark_id: str, key: ModelKey) -> str:
    return f"{benchmark_id}/{MODELS_FOLDER}/{key.slug}.html"


@dataclass(frozen=True)
class ModelRun:
    """One model in one run: what its history and the leaderboard show."""

    started_at: str  # ISO 8601
    run_id: str
    host: str
    href: str  # the run's report, from the site root
    name: str
    score_pts: float  # median over repeats, as on the run page
    score_interval: Interval | None  # t interval over the run's samples
    call_wall_s: float | None
    throughput_tok_s: float | None
    marks: tuple[Mark, ...] = ()  # clear changes against the previous run on this host

    @property
    def score_text(self) -> str:
        return _with_interval(self.score_pts, self.score_interval)


def model_entries(run: RunAnalysis) -> tuple[tuple[ModelKey, ModelRun], ...]:
    """Each direct model of a run as its history lists it (marks come later, by run)."""
    r = run.record
    return tuple(
        (
            model_key(d),
            ModelRun(
                started_at=r.started_at.isoformat(),
                run_id=r.run_id,
                host=r.host,
                href=report_path(r),
                name=d.name,
                score_pts=d.score.median,
                score_interval=d.summary.interval,
                call_wall_s=d.call_wall_s.median if d.call_wall_s else None,
                throughput_tok_s=d.throughput_tok_s.median if d.throughput_tok_s else None,
            ),
        )
        for d in run.direct
    )


ModelEntries = Sequence[tuple[ModelKey, ModelRun]]


def model_runs(
    runs: Iterable[tuple[str, ModelEntries]], marks: Mapping[str, Sequence[Mark]] | None = None
) -> dict[str, dict[ModelKey, list[ModelRun]]]:
    """benchmark id -> model -> its runs, oldest first, from each run's benchmark and
    `model_entries`, in the order the runs started; `marks` by run href."""
    found: dict[str, dict[ModelKey, list[ModelRun]]] = defaultdict(lambda: defaultdict(list))
    for benchmark_id, entries in runs:
        for key, model_run in entries:
            run_marks = (marks or {}).get(model_run.href, ())
            shown = tuple(m for m in run_marks if m.name == model_run.name)
            found[benchmark_id][key].append(replace(model_run, marks=shown))
    return found


@dataclass(frozen=True)
class LeaderboardRow:
    """One model on one host, over its runs."""

    model: ModelKey
    name: str  # the newest run's display name
    host: str
    href: str  # the model's page, relative to the benchmark's page
    latest: ModelRun
    best: ModelRun
    median_pts: float
    median_interval: Interval | None
    runs: int
    last_seen: str  # YYYY-MM-DD HH:MM

    @property
    def median_text(self) -> str:
        return _with_interval(self.median_pts, self.median_interval)

    @property
    def marks_text(self) -> str:
        return marks_text(self.latest.marks)


def leaderboard(
    benchmark_id: str, models: Mapping[ModelKey, Sequence[ModelRun]]
) -> list[LeaderboardRow]:
    """Rows best median first; a model's page link is relative to `<benchmark>/index.html`."""
    rows = []
    for key, history in models.items():
        by_host: dict[str, list[ModelRun]] = defaultdict(list)
        for run in history:
            by_host[run.host].append(run)
        for host, runs in by_host.items():
            scores = [r.score_pts for r in runs]
            latest = runs[-1]
            rows.append(
                LeaderboardRow(
                    model=key,
                    name=latest.name,
                    host=host,
                    href=model_page_path(benchmark_id, key).removeprefix(f"{benchmark_id}/"),
                    latest=latest,
                    best=max(runs, key=lambda r: (r.score_pts, r.started_at)),
                    median_pts=statistics.median(scores),
                    median_interval=median_interval(scores),
                    runs=len(runs),
                    last_seen=latest.started_at[:16].replace("T", " "),
                )
            )
    return sorted(rows, key=lambda r: (-r.median_pts, r.model.label, r.host))


def marks_text(marks: Sequence[Mark]) -> str:
    """`▲ score +15 pts (Mid 3B) · ▼ wall -10.0s (Big 8B)`: what changed clearly."""
    return " · ".join(mark_text(m) for m in marks)


def mark_text(mark: Mark) -> str:
    arrow = "▲" if mark.direction == "up" else "▼"
    diff = fmt.signed_pts(mark.diff) if mark.figure == "score" else fmt.signed_seconds(mark.diff)
    return f"{arrow} {mark.figure} {diff} ({mark.name})"


def _with_interval(value: float, interval: Interval | None) -> str:
    if interval is None:
        return fmt.score(value)
    return f"{fmt.score(value)} ({fmt.score(interval.low)}–{fmt.score(interval.high)})"
