"""A run's report page: the page model (`ReportPage`) and its body from `bench/report.html`.

The model holds text, already worded and formatted; the template holds the markup, and
autoescapes every value, so text from a record is never markup.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import unescape

from jinja2 import Environment

from bench.record.analysis import CascadeSummary, DirectSummary, Outcomes, RunAnalysis
from bench.record.safety import printable, text_file_href
from bench.record.schema import (
    METHODOLOGY_VERSION,
    RECORD_FILENAME,
    CandidateFile,
    LegacyImport,
    RunRecord,
)
from bench.site import fmt, summary
from bench.site.charts.frontier import FrontierChart
from bench.site.charts.model import Chart
from bench.site.findings import Finding, findings_for
from bench.site.reproduce import Reproduce, reproduce_section
from bench.site.sections import Section as Section
from bench.site.suitepage import (
    PairedLine,
    TaskHotspotLine,
    TaskTable,
    is_suite,
    paired_lines,
    task_hotspot_lines,
    task_lines,
)
from bench.site.summary import Kpi
from bench.site.sure import auto_repeats_note, error_bars_note
from bench.site.verdict import handoff_verdict

REPORT_NAME = "report.html"
TEMPLATE = "bench/report.html"
# A re-hosted run's page keeps the old page's words (they were written for that run).
LEGACY_TAGLINE = "Direct vs cascade codegen, with actual takeaways"
LEGACY_LEDE = (
    "This report compares asking each local model directly against asking a smaller model "
    "first and then handing its draft to a larger refiner. It is focused on the Python script "
    "benchmark in this run and pulls out the quality, speed, and failure patterns that the raw "
    "JSON actually supports."
)
LEGACY_FINDINGS_INTRO = (
    "These are conclusions inferred from the run output, not generic benchmark filler."
)
FINDINGS_INTRO = "What this run's record supports, each conclusion with the figures it rests on."
MARK = {"passed": "✓", "failed": "✗", "skipped": "–"}
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class Banner:
    host: str
    path: str  # the page's path in the site
    legacy: LegacyImport | None
    tool_version: str | None
    commit: str | None  # abbreviated
    methodology_version: int
    current_methodology: int
    partial: bool
    host_line: str | None = None  # "on <CPU>, <cores>, <memory>[, <GPU>]"; None: not recorded
    failed: bool = False  # the run finished and no call succeeded
    failed_calls: str | None = None  # what the failed calls count for; None: none failed
    trends_href: str | None = None  # the benchmark's trends page, from the site root
    up: str = "../../"  # from the page's folder to the site root
    compared_run: str | None = None  # the run its comparison page compares it with


@dataclass(frozen=True)
class Candidate:
    """A candidate's file in a table cell: linked when archived."""

    name: str
    href: str | None  # None: its source was not archived


@dataclass(frozen=True)
class Hotspot:
    check: str
    failures: str
    share: str
    examples: str


@dataclass(frozen=True)
class DirectRow:
    name: str  # the model's display name
    tag: str  # the server's name for it, shown as a tooltip
    size: str
    score: str
    call_wall: str
    throughput: str
    eval_wall: str
    checks: str
    candidates: tuple[Candidate | None, ...]
    prompt_tok_s: str = fmt.DASH
    ttft: str = fmt.DASH


@dataclass(frozen=True)
class CascadeRow:
    label: str
    small: str
    large: str
    cascade: str
    delta_vs_large: str
    delta_vs_small: str
    pipeline_wall: str
    large_wall: str
    delta_wall: str
    faster: str
    checks: str
    candidates: tuple[Candidate | None, ...]


@dataclass(frozen=True)
class CheckColumn:
    name: str
    weight: str


@dataclass(frozen=True)
class CheckCell:
    outcome: str  # passed, failed, skipped
    mark: str
    detail: str | None
    count: str | None = None  # a suite's: `3/40`, the answers that failed it of those it ran


@dataclass(frozen=True)
class MatrixRow:
    candidate: str
    cells: tuple[CheckCell | None, ...]  # None: the check did not run
    score: str


@dataclass(frozen=True)
class CallError:
    who: str
    error: str
    missing: bool = False  # the infrastructure's fault: in no figure


@dataclass(frozen=True)
class ReportPage:
    """Everything a run's report page shows, as text; the template only lays it out."""

    title: str
    banner: Banner
    tagline: str
    lede: str
    findings_intro: str
    started: str
    finished: str | None  # None: the run never finished
    best_direct: str
    best_cascade: str
    kpis: tuple[Kpi, ...]
    findings: tuple[Finding, ...]
    findings_note: str | None  # said once when the figures have no error bars
    stopping_note: str | None  # a run of `repeats: auto`: why its repeats stopped
    charts: tuple[Chart | FrontierChart, ...]
    hotspots: tuple[Hotspot, ...]
    direct: tuple[DirectRow, ...]
    cascades: tuple[CascadeRow, ...]
    checks: tuple[CheckColumn, ...]
    matrix: tuple[MatrixRow, ...]
    handoffs: tuple[summary.HandoffOutcome, ...]  # what each pair's refiner did with its drafts
    errors: tuple[CallError, ...]
    unmeasured: tuple[str, ...]  # models and pairs no call measured
    timings: bool  # the direct table shows prompt tok/s and time to first token
    facts: tuple[tuple[str, str], ...]
    host: tuple[tuple[str, str], ...]
    notes: tuple[str, ...]
    record_file: str
    sections: tuple[Section, ...]
    paired: tuple[PairedLine, ...] = ()  # a run with error bars: its paired comparisons
    tasks: TaskTable | None = None  # a suite: each task's outcome per candidate
    task_hotspots: tuple[TaskHotspotLine, ...] = ()  # a suite: the tasks that fail most
    matrix_note: str | None = None  # a suite's matrix sums up each candidate's answers
    reproduce: Reproduce | None = None  # the config, the commands, the setup's identities


def report_path(record: RunRecord) -> str:
    """The page's path in the site, as the old site had it."""
    return f"{record.benchmark_id}/{record.run_id}/{REPORT_NAME}"


def report_page(
    run: RunAnalysis, charts: Sequence[Chart | FrontierChart], trends_href: str | None = None
) -> ReportPage:
    """The model of a run's report page; links are relative to the page's folder.
    `trends_href`: the benchmark's trends page, from the site root."""
    r = run.record
    errors = tuple(_errors(run))
    handoffs = tuple(summary.handoff_outcomes(run))
    timings = any(d.prompt_tok_s is not None or d.ttft_s is not None for d in run.direct)
    suite = is_suite(run)
    paired = paired_lines(run) if run.error_bars else ()
    sections = (
        Section("findings", "Findings"),
        Section("charts", "Charts"),
        Section("failure-hotspots", "Failure hotspots"),
        *((Section("paired-comparisons", "Paired comparisons"),) if paired else ()),
        *((Section("tasks", "Tasks"),) if suite else ()),
        Section("direct-models", "Direct models"),
        Section("handoff-pairs", "Handoff pairs"),
        *((Section("handoff-outcomes", "Handoff outcomes"),) if handoffs else ()),
        Section("check-matrix", "Check matrix"),
        *((Section("call-errors", "Call errors"),) if errors or run.unmeasured else ()),
        Section("reproduce", "Reproduce"),
        Section("provenance", "Provenance"),
    )
    p = r.provenance
    return ReportPage(
        title=r.title,
        banner=banner(r, run, trends_href),
        tagline=LEGACY_TAGLINE if p.legacy else tagline(run),
        lede=LEGACY_LEDE if p.legacy else lede(run),
        findings_intro=LEGACY_FINDINGS_INTRO if p.legacy else FINDINGS_INTRO,
        started=r.started_at.strftime(TIME_FORMAT),
        finished=r.finished_at.strftime(TIME_FORMAT) if r.finished_at else None,
        best_direct=summary.best_direct_text(run),
        best_cascade=summary.best_cascade_text(run),
        kpis=tuple(summary.kpis(run)),
        findings=(*findings_for(run), *filter(None, [handoff_verdict(run)])),
        findings_note=error_bars_note(run),
        stopping_note=auto_repeats_note(run),
        charts=tuple(charts),
        hotspots=tuple(
            Hotspot(h.check, str(h.failures), fmt.percent(h.share), ", ".join(h.examples))
            for h in run.hotspots
        ),
        direct=tuple(_direct_row(run, d, suite) for d in run.direct),
        timings=timings,
        cascades=tuple(_cascade_row(run, c, suite) for c in run.cascades),
        checks=tuple(CheckColumn(c.name, fmt.number(c.weight)) for c in r.checks),
        matrix=tuple(_suite_matrix(run) if suite else _matrix(run)),
        handoffs=handoffs,
        errors=errors,
        unmeasured=tuple(u.who for u in run.unmeasured),
        facts=tuple(_facts(run)),
        host=tuple(summary.host_facts(run)),
        notes=tuple(p.legacy.notes) if p.legacy else (),
        record_file=RECORD_FILENAME,
        sections=sections,
        paired=paired,
        tasks=task_lines(run) if suite else None,
        task_hotspots=task_hotspot_lines(run) if suite else (),
        matrix_note=SUITE_MATRIX_NOTE if suite else None,
        reproduce=reproduce_section(r),
    )


def tasks_text(record: RunRecord) -> str:
    """What the run asked, from its tasks: `the task “window_report”`, or `its 30 tasks
    (HumanEval/0 to HumanEval/29)`."""
    names = [printable(t.title or t.id) for t in record.tasks]
    if len(names) == 1:
        return f"the task “{names[0]}”"
    return f"its {len(names)} tasks ({names[0]} to {names[-1]})"


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def tagline(run: RunAnalysis) -> str:
    """`3 models asked directly and 2 small-to-large handoff pairs, on 30 tasks`: what the
    run compared and what it asked."""
    r = run.record
    asked = _count(len(r.direct), "model") + " asked directly"
    if r.cascades:
        asked += f" and {_count(len(r.cascades), 'small-to-large handoff pair')}"
    on = f"the task “{printable(r.tasks[0].title or r.tasks[0].id)}”"
    return f"{asked}, on {_count(len(r.tasks), 'task') if len(r.tasks) > 1 else on}"


def lede(run: RunAnalysis) -> str:
    """What the run compared and how its answers were scored, true of this run."""
    r = run.record
    if r.cascades:
        compared = (
            "This report compares asking each local model directly against asking a smaller "
            "model first and then handing its draft to a larger refiner."
        )
    elif len(r.direct) == 1:
        compared = "This report measures one local model, asked directly."
    else:
        compared = f"This report compares {len(r.direct)} local models, each asked directly."
    times = "once" if r.repeats == 1 else f"{r.repeats} times"
    each = "" if len(r.tasks) == 1 else " each"
    return (
        f"{compared} The {printable(r.title)} benchmark asked each candidate {tasks_text(r)}, "
        f"{times}{each}; every answer was scored by its task's checks, and the figures below "
        "are what this run's record gives."
    )


def render_report(env: Environment, page: ReportPage) -> str:
    """The body of a run's report page, from the build's `bench/report.html`."""
    return env.get_template(TEMPLATE).render(report=page)


def banner(
    record: RunRecord, run: RunAnalysis | None = None, trends_href: str | None = None
) -> Banner:
    p = record.provenance
    run = run or RunAnalysis(record)
    return Banner(
        host=record.host,
        path=report_path(record),
        legacy=p.legacy,
        tool_version=p.tool_version,
        commit=p.git_commit[:12] if p.git_commit else None,
        methodology_version=record.methodology_version,
        current_methodology=METHODOLOGY_VERSION,
        partial=record.status == "partial",
        host_line=summary.host_line(run),
        failed=record.status == "failed",
        failed_calls=summary.failed_calls_notice(run),
        trends_href=trends_href,
    )


def banner_text(env: Environment, record: RunRecord) -> str:
    """The banner as plain text, as the page shows it."""
    macro = env.get_template("bench/partials/banner.html").module.banner  # type: ignore[attr-defined]
    return _strip_tags(str(macro(banner(record))))


def _direct_row(run: RunAnalysis, d: DirectSummary, suite: bool) -> DirectRow:
    return DirectRow(
        name=d.name,
        tag=d.tag,
        size=fmt.size_b(d.model.params_b),
        score=summary.score_text(run, d),
        call_wall=fmt.stat(d.call_wall_s, "seconds"),
        throughput=fmt.stat(d.throughput_tok_s, "tok_s"),
        eval_wall=fmt.stat(d.outcomes.eval_wall_s, "seconds2"),
        checks=_checks_text(d.outcomes),
        candidates=_candidates(d.outcomes.candidates, suite),
        prompt_tok_s=fmt.stat(d.prompt_tok_s, "tok_s"),
        ttft=fmt.stat(d.ttft_s, "seconds2"),
    )


def _cascade_row(run: RunAnalysis, c: CascadeSummary, suite: bool) -> CascadeRow:
    """Scores as the KPIs give them and differences as Paired comparisons do, in a run with
    error bars; the one sample's figures in a run without (the seed)."""
    wall = c.delta_wall_s
    return CascadeRow(
        label=c.name,
        small=summary.score_text(run, c.small),
        large=summary.score_text(run, c.large),
        cascade=summary.score_text(run, c),
        delta_vs_large=summary.delta_text(run, c.versus_large, c.delta_vs_large_pts),
        delta_vs_small=summary.delta_text(run, c.versus_small, c.delta_vs_small_pts),
        pipeline_wall=fmt.stat(c.pipeline_wall_s, "seconds"),
        large_wall=fmt.stat(c.large.call_wall_s, "seconds"),
        delta_wall=fmt.DASH if wall is None else fmt.signed_seconds(wall),
        faster="yes" if c.speed_win else "no",
        checks=_checks_text(c.outcomes),
        candidates=_candidates(c.outcomes.candidates, suite),
    )


def _checks_text(outcomes: Outcomes) -> str:
    return ", ".join(outcomes.top_failed_checks) or fmt.DASH


def _candidates(
    files: Sequence[CandidateFile | None], suite: bool = False
) -> tuple[Candidate | None, ...]:
    """Each sample's file; a suite's are on its task pages, one link to the task table."""
    if suite:
        archived = sum(f is not None and f.path is not None for f in files)
        return (Candidate(f"{archived} of {len(files)} archived, by task", "#tasks"),)
    return tuple(
        None if f is None else Candidate(f.name, None if f.path is None else text_file_href(f.path))
        for f in files
    )


def _matrix(run: RunAnalysis) -> list[MatrixRow]:
    names = [c.name for c in run.record.checks]
    rows = []
    for label, outcomes in run.candidates:
        for n, evaluation in enumerate(outcomes.evaluations, start=1):
            got = {c.name: c for c in evaluation.checks}
            cells: list[CheckCell | None] = []
            for name in names:
                result = got.get(name)
                if result is None:
                    cells.append(None)
                    continue
                outcome = result.outcome.value
                cells.append(CheckCell(outcome, MARK[outcome], result.detail or None))
            who = label + (f" #{n}" if len(outcomes.evaluations) > 1 else "")
            rows.append(MatrixRow(who, tuple(cells), fmt.score(evaluation.score)))
    return rows


SUITE_MATRIX_NOTE = (
    "Over the suite, a check is failed for a candidate when any of its answers failed it, with "
    "how many of the answers that ran it did; each task's page has every answer's checks."
)


def _suite_matrix(run: RunAnalysis) -> list[MatrixRow]:
    """One row a candidate: each check's state over its answers, and its mean score."""
    names = [c.name for c in run.record.checks]
    means = {d.name: d.summary.mean_pts for d in run.direct}
    means |= {c.name: c.summary.mean_pts for c in run.cascades}
    rows = []
    for label, outcomes in run.candidates:
        ran: dict[str, int] = {}
        for evaluation in outcomes.evaluations:
            for check in evaluation.checks:
                if check.outcome.value != "skipped":
                    ran[check.name] = ran.get(check.name, 0) + 1
        cells: list[CheckCell | None] = []
        for name in names:
            state = outcomes.check_states.get(name)
            if state is None:
                cells.append(None)
                continue
            outcome = state.value
            count = f"{outcomes.failures[name]}/{ran.get(name, 0)}"
            cells.append(CheckCell(outcome, MARK[outcome], None, count))
        rows.append(MatrixRow(label, tuple(cells), fmt.score(means[label])))
    return rows


def _errors(run: RunAnalysis) -> list[CallError]:
    return [CallError(f.who, f.error, f.missing) for f in run.call_failures]


def _tasks_fact(record: RunRecord) -> tuple[str, str]:
    """`Task: x` for a one-task run; `Tasks: 6 (a, b, c and 3 more)` for a suite."""
    ids = record.task_ids
    if len(ids) == 1:
        return ("Task", ids[0])
    shown = ", ".join(ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
    return ("Tasks", f"{len(ids)} ({shown})")


def _facts(run: RunAnalysis) -> list[tuple[str, str]]:
    record = run.record
    p = record.provenance
    sampling = ", ".join(f"{k}={v}" for k, v in p.sampling.model_dump().items() if v is not None)
    return [
        ("Benchmark", record.benchmark_id),
        ("Run", record.run_id),
        _tasks_fact(record),
        ("Methodology version", f"v{record.methodology_version}"),
        ("Repeats", str(record.repeats)),
        ("Status", record.status.value),
        ("Tool version", p.tool_version or "not recorded"),
        ("Tool commit", p.git_commit or "not recorded"),
        ("Backend", p.backend or "not recorded"),
        ("Server version", p.server_version or "not recorded"),
        ("Sampling", sampling or "not recorded"),
        ("Sandbox isolation", p.isolation or "not recorded"),
        *_model_facts(run),
    ]


def _model_facts(run: RunAnalysis) -> list[tuple[str, str]]:
    """Per model: where its throughput figures came from, and what the server said of it."""
    facts = []
    for d in run.direct:
        m = d.model
        sources = ", ".join(s.value for s in d.throughput_sources) or "none"
        known = [("backend", m.backend), ("server", m.server_url), ("version", m.server_version)]
        known += [("quantization", m.quantization), ("digest", m.digest)]
        said = "; ".join(f"{k} {v}" for k, v in known if v)
        facts.append(
            (f"Model {m.tag}", f"throughput source: {sources}" + (f"; {said}" if said else ""))
        )
    return facts


def _strip_tags(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", html))).strip()
