"""Every model of a benchmark on every host: its runs, and the leaderboard row they make.

A model is its identity (`bench.record.models`: tag, quantization, digest where recorded) and
has one name across the site, its newest run's, the others its aliases; a row is one model on
one host. A run's score is its
run page's (the mean over tasks with its interval, `ScoreSummary.estimate`); a row's is the
same statistic over all its runs' samples, and the rows are ranked with ties
(`bench.record.ranking`): rows the data cannot tell apart share a rank.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import overload

from pydantic_core import to_json

from bench.record.analysis import DirectSummary, RunAnalysis
from bench.record.history import Mark
from bench.record.models import ModelIdentity, ModelName, model_names, run_name, unified
from bench.record.ranking import Ranked, SampleKey, Versus, pooled_score, rank_by, versus
from bench.record.setup import Aspect, differing_aspects, model_setup_facts
from bench.record.stats import MIN_UNITS, Estimate
from bench.site import fmt, sure
from bench.site.figures import Figures
from bench.site.report import report_path

MODELS_FOLDER = "models"  # <benchmark>/models/<model>.html


def model_slug(key: ModelIdentity) -> str:
    """A file name for the model's page: readable, and unique by a hash of the identity."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "-", key.spec).strip("-.")[:60] or "model"
    named = f"{key.tag}\0{key.quantization}" + ("" if key.digest is None else f"\0{key.digest}")
    return f"{readable}-{hashlib.sha256(named.encode()).hexdigest()[:8]}"


def model_key(summary: DirectSummary) -> ModelIdentity:
    return summary.identity


def model_page_path(benchmark_id: str, key: ModelIdentity) -> str:
    return f"{benchmark_id}/{MODELS_FOLDER}/{model_slug(key)}.html"


@dataclass(frozen=True)
class ModelRun:
    """One model in one run: what its history and the leaderboard show."""

    started_at: str  # ISO 8601
    run_id: str
    host: str
    href: str  # the run's report, from the site root
    name: str  # the site's name for the model (`model_runs`); the run's own in a listing
    score: Estimate  # mean over tasks with its interval, as on the run page
    samples: tuple[tuple[str, int, float], ...]  # (task, repeat, score) of each scored sample
    call_wall_s: float | None
    throughput_tok_s: float | None
    marks: tuple[Mark, ...] = ()  # clear changes against the previous run on this host
    setup: tuple[tuple[Aspect, str], ...] = ()  # digest, context, harness version, ...
    aliases: tuple[str, ...] = ()  # the model's other names, oldest first

    @property
    def score_pts(self) -> float:
        return self.score.point

    @property
    def score_text(self) -> str:
        return sure.estimate(self.score)

    def keyed(self) -> dict[SampleKey, float]:
        return {(self.run_id, task, repeat): score for task, repeat, score in self.samples}


def model_entries(run: RunAnalysis) -> tuple[tuple[ModelIdentity, ModelRun], ...]:
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
                name=run_name(d.model),  # its label: a re-hosted page's tag is no name
                score=d.summary.estimate,
                samples=tuple((o.task, o.repeat, o.score) for o in d.observations),
                call_wall_s=d.call_wall_s.median if d.call_wall_s else None,
                throughput_tok_s=d.throughput_tok_s.median if d.throughput_tok_s else None,
                setup=model_setup_facts(r, d.tag),
            ),
        )
        for d in run.direct
    )


ModelEntries = Sequence[tuple[ModelIdentity, ModelRun]]


def site_names(
    runs: Iterable[ModelEntries], same: Mapping[ModelIdentity, ModelIdentity] | None = None
) -> dict[ModelIdentity, ModelName]:
    """Each model identity of these runs (as recorded, and as `unified`) -> its one name across
    the site: the newest run's name for it, older ones its aliases. `same`: `unified` of
    these runs' identities, made here unless given."""
    entries = [e for run in runs for e in run]
    if same is None:
        same = unified(key for key, _ in entries)
    names = model_names((same[key], r.started_at, r.name) for key, r in entries)
    return {key: names[same[key]] for key in same} | names


def model_runs(
    runs: Iterable[tuple[str, ModelEntries]],
    marks: Mapping[str, Sequence[Mark]] | None = None,
    *,
    names: Mapping[ModelIdentity, ModelName] | None = None,
    sources: Sequence[str] = (),
    same: Mapping[ModelIdentity, ModelIdentity] | None = None,
) -> dict[str, dict[ModelIdentity, ModelHistory]]:
    """benchmark id -> model -> its runs, oldest first, from each run's benchmark and
    `model_entries`, in the order the runs started; `marks` by run href. Each run and mark
    names its model as the site does (`names`: `site_names` of these runs, made here unless
    given). `sources`: the digest of each run's record, which the histories' keys are made of;
    `same`: `unified` of these runs' identities, made here unless given."""
    given = list(runs)
    if same is None:
        same = unified(key for _, entries in given for key, _ in entries)
    if names is None:
        names = site_names((entries for _, entries in given), same)
    found: dict[str, dict[ModelIdentity, ModelHistory]] = defaultdict(dict)
    for n, (benchmark_id, entries) in enumerate(given):
        source = sources[n] if sources else ""
        for key, model_run in entries:
            by_model = found[benchmark_id]
            model = same[key]
            history = by_model.get(model)
            if history is None:
                history = by_model[model] = ModelHistory(names[key])
            run_marks = (marks or {}).get(model_run.href, ())
            history.add(model_run, tuple(run_marks), key.tag, source)
    return found


class ModelHistory(Sequence[ModelRun]):
    """A model's runs on a benchmark, oldest first, in the site's name for it (`name`): each
    run as its listing has it (`listed`), named as the site names it when first read (a build
    reads few of them: a leaderboard its rows' latest and best)."""

    def __init__(self, name: ModelName) -> None:
        self.name = name
        self.listed: list[ModelRun] = []
        self._marks: list[tuple[tuple[Mark, ...], str]] = []  # each run's, and its model's tag
        self._sources: list[str] = []  # each run's record digest
        self._named: list[ModelRun | None] = []

    def add(self, run: ModelRun, marks: tuple[Mark, ...], tag: str, source: str) -> None:
        """A run, as listed, with its marks (by run) and its model's tag in it."""
        self.listed.append(run)
        self._marks.append((marks, tag))
        self._sources.append(source)
        self._named.append(None)

    def __len__(self) -> int:
        return len(self.listed)

    @overload
    def __getitem__(self, index: int) -> ModelRun: ...
    @overload
    def __getitem__(self, index: slice) -> list[ModelRun]: ...
    def __getitem__(self, index: int | slice) -> ModelRun | list[ModelRun]:
        if isinstance(index, slice):
            return [self._run(i) for i in range(*index.indices(len(self)))]
        return self._run(range(len(self))[index])

    def __iter__(self) -> Iterator[ModelRun]:
        return (self._run(i) for i in range(len(self)))

    def _run(self, i: int) -> ModelRun:
        named = self._named[i]
        if named is None:
            run, (marks, tag) = self.listed[i], self._marks[i]
            own = (run.name, tag)  # a re-hosted run's marks name the tag
            shown = tuple(replace(m, name=self.name.name) for m in marks if m.name in own)
            named = self._named[i] = replace(
                run, name=self.name.name, aliases=self.name.aliases, marks=shown
            )
        return named

    def inputs(self) -> tuple[str, ...]:
        """What the runs as named are made of, as text: the site's name, each run's record
        digest (its listing's), and the marks of the runs that have any (a cache key's)."""
        marks = [(i, marks, tag) for i, (marks, tag) in enumerate(self._marks) if marks]
        return (to_json((self.name, marks)).decode(), *self._sources)


@dataclass(frozen=True)
class LeaderboardRow:
    """One model on one host, over its runs, and its place among the benchmark's rows."""

    model: ModelIdentity
    name: str  # the model's one name across the site
    host: str
    href: str  # the model's page, relative to the benchmark's page
    latest: ModelRun
    best: ModelRun
    score: Estimate  # mean over tasks of all its runs' samples (one task: of the samples)
    runs: int
    last_seen: str  # YYYY-MM-DD HH:MM
    rank: int = 1  # shared with the rows it is statistically tied with
    tied: bool = False  # the data cannot tell it from the top of its group
    rank_note: str = ""  # how its rank was decided, against the top of its group
    setup_note: str = ""  # its runs pooled under different setups, and in what

    @property
    def setups_differ(self) -> bool:
        return bool(self.setup_note)

    @property
    def score_text(self) -> str:
        return sure.estimate(self.score)

    @property
    def rank_text(self) -> str:
        """`3`, or `2 (tied)`."""
        return f"{self.rank} (tied)" if self.tied else str(self.rank)

    @property
    def marks_text(self) -> str:
        return marks_text(self.latest.marks)

    @property
    def aliases_text(self) -> str:
        return aliases_text(self.latest.aliases)


RANKING_NOTE = (
    "Rank: rows in order of score; a row the data cannot tell apart from the top of its group "
    "shares its rank (statistically tied). Two rows are compared by the paired difference of "
    "their scores on the tasks both answered, from three shared tasks; else on their samples "
    "of the same run, task and repeat, from three; else by their 95% intervals (tied when they "
    "overlap, or when either has fewer than three samples). Tied when the difference's 95% "
    "interval holds 0."
)


def leaderboard(
    benchmark_id: str,
    models: Mapping[ModelIdentity, Sequence[ModelRun]],
    figures: Figures | None = None,
) -> list[LeaderboardRow]:
    """Rows best score first, ranked with ties; a model's page link is relative to
    `<benchmark>/index.html`. `figures`: the rows' pooled figures kept between builds, each
    computed only when its runs changed."""
    figures = figures if figures is not None else Figures(None, "", {})
    rows = []
    row_runs: list[Sequence[ModelRun]] = []
    keys: list[str] = []
    for key, history in models.items():
        # As listed: the same figures, not yet in the site's names, which only two need.
        listed = history.listed if isinstance(history, ModelHistory) else history
        by_host: dict[str, list[int]] = defaultdict(list)
        for i, run in enumerate(listed):
            by_host[run.host].append(i)
        for host, indices in by_host.items():
            runs = [listed[i] for i in indices]
            row_key = figures.runs_key(key, host, [r.href for r in runs])
            best = max(indices, key=lambda i: (listed[i].score_pts, listed[i].started_at))
            latest = history[indices[-1]]
            rows.append(
                LeaderboardRow(
                    model=key,
                    name=latest.name,
                    host=host,
                    href=model_page_path(benchmark_id, key).removeprefix(f"{benchmark_id}/"),
                    latest=latest,
                    best=history[best],
                    score=figures.estimate(row_key, partial(row_score, runs)),
                    runs=len(runs),
                    last_seen=latest.started_at[:16].replace("T", " "),
                    setup_note=figures.note(row_key, partial(setup_note, runs)),
                )
            )
            row_runs.append(runs)
            keys.append(row_key)
    order = sorted(
        range(len(rows)), key=lambda i: (-rows[i].score.point, rows[i].name, rows[i].host)
    )
    ordered = [rows[i] for i in order]
    samples: dict[int, dict[SampleKey, float]] = {}

    def keyed(i: int) -> dict[SampleKey, float]:
        found = samples.get(i)
        if found is None:
            found = samples[i] = pooled_samples(row_runs[order[i]])
        return found

    def compare(i: int, top: int) -> Versus:
        def make() -> Versus:
            return versus(keyed(i), keyed(top), ordered[i].score, ordered[top].score)

        return figures.versus(f"{keys[order[i]]}\0{keys[order[top]]}", make)

    places = rank_by([r.score for r in ordered], compare)
    return [_placed(row, place, ordered) for row, place in zip(ordered, places, strict=True)]


def pooled_samples(runs: Sequence[ModelRun]) -> dict[SampleKey, float]:
    """Every scored sample of these runs, by run, task and repeat."""
    return {k: v for run in runs for k, v in run.keyed().items()}


def row_score(runs: Sequence[ModelRun]) -> Estimate:
    """A row's score: the mean over tasks of all its runs' samples (`pooled_score`); with no
    samples, its latest run's."""
    keyed = pooled_samples(runs)
    return pooled_score(keyed) if keyed else runs[-1].score


def setup_note(runs: Sequence[ModelRun]) -> str:
    """`setups differ: model digest, context`, when the runs pooled in a row were not made
    alike: their pooled score mixes setups."""
    differ = differing_aspects(run.setup for run in runs)
    return f"setups differ: {', '.join(differ)}" if differ else ""


def _placed(row: LeaderboardRow, place: Ranked, rows: Sequence[LeaderboardRow]) -> LeaderboardRow:
    if place.against is None or place.versus is None:
        return replace(row, rank=place.rank)
    top = rows[place.against]
    few = min(row.score.n, top.score.n) < MIN_UNITS
    note = _rank_note(place.versus, f"{top.name} on {top.host}", few)
    return replace(row, rank=place.rank, tied=place.tied, rank_note=note)


def _rank_note(v: Versus, top: str, few: bool) -> str:
    """`tied with X on h: -3 pts (mean of 12 tasks, 95% CI -8 to +1 pts), paired on shared
    tasks`; `clearly below X on h: their 95% intervals do not overlap`. `few`: either row has
    too few samples for an interval."""
    where = f"tied with {top}" if v.tied else f"clearly below {top}"
    if v.difference is not None:
        paired_on = "shared tasks" if v.basis == "tasks" else "samples of the same runs"
        diff = sure.estimate(v.difference, fmt.signed_number, " pts")
        return f"{where}: {diff}, paired on {paired_on}"
    if few:
        return f"{where}: too few samples to tell them apart"
    overlap = "overlap" if v.tied else "do not overlap"
    return f"{where}: nothing to pair, and their 95% intervals {overlap}"


def aliases_text(aliases: Sequence[str]) -> str:
    """`also recorded as Qwen 1.5B, qwen-1.5b`, or ``."""
    return f"also recorded as {', '.join(aliases)}" if aliases else ""


def marks_text(marks: Sequence[Mark]) -> str:
    """`▲ score +15 pts (Mid 3B) · ▼ wall -10.0s (Big 8B)`: what changed clearly."""
    return " · ".join(mark_text(m) for m in marks)


def mark_text(mark: Mark) -> str:
    arrow = "▲" if mark.direction == "up" else "▼"
    diff = fmt.signed_pts(mark.diff) if mark.figure == "score" else fmt.signed_seconds(mark.diff)
    return f"{arrow} {mark.figure} {diff} ({mark.name})"
