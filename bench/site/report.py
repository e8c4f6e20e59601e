"""A run's report page as HTML: every text from a record is escaped here."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape, unescape

from bench.record.analysis import CascadeSummary, DirectSummary, Outcomes, RunAnalysis
from bench.record.safety import printable, text_file_href
from bench.record.schema import METHODOLOGY_VERSION, RECORD_FILENAME, CandidateFile, RunRecord
from bench.site import fmt, summary
from bench.site.charts.model import Chart
from bench.site.findings import findings_for

REPORT_NAME = "report.html"
TAGLINE = "Direct vs cascade codegen, with actual takeaways"
LEDE = (
    "This report compares asking each local model directly against asking a smaller model "
    "first and then handing its draft to a larger refiner. It is focused on the Python script "
    "benchmark in this run and pulls out the quality, speed, and failure patterns that the raw "
    "JSON actually supports."
)
MARK = {"passed": "✓", "failed": "✗", "skipped": "–"}


@dataclass(frozen=True)
class Heading:
    id: str
    title: str
    level: int


@dataclass(frozen=True)
class RenderedPage:
    html: str
    headings: tuple[Heading, ...]


def report_path(record: RunRecord) -> str:
    """The page's path in the site, as the old site had it."""
    return f"{record.benchmark_id}/{record.run_id}/{REPORT_NAME}"


def e(value: object) -> str:
    return escape(printable(str(value)), quote=True)


def render_report(run: RunAnalysis, charts: Sequence[Chart]) -> RenderedPage:
    """The body of a run's report page; links are relative to the page's folder."""
    sections = [
        _banner(run.record),
        _header(run),
        _kpis(run),
        _findings(run),
        _charts(charts),
        _hotspots(run),
        _direct_table(run),
        _cascade_table(run),
        _check_matrix(run),
        _errors(run),
        _provenance(run),
    ]
    headings = (
        Heading("findings", "Findings", 2),
        Heading("charts", "Charts", 2),
        Heading("failure-hotspots", "Failure hotspots", 2),
        Heading("direct-models", "Direct models", 2),
        Heading("handoff-pairs", "Handoff pairs", 2),
        Heading("check-matrix", "Check matrix", 2),
        Heading("provenance", "Provenance", 2),
    )
    return RenderedPage("\n".join(s for s in sections if s), headings)


def banner_text(record: RunRecord) -> str:
    return _strip_tags(_banner(record))


def _banner(record: RunRecord) -> str:
    up = "../../"
    legacy = record.provenance.legacy
    path = report_path(record)
    parts = []
    if legacy:
        parts.append(f"Archive · {e(record.host)} historical telemetry · {e(path)}.")
        parts.append(f"Originally rendered {legacy.originally_rendered.isoformat()}.")
        parts.append(
            f"Re-hosted from {e(legacy.rehosted_from)} on {legacy.rehosted_on.isoformat()}."
        )
        parts.append(
            "Methodology and harness conventions may differ from what we use today; see "
            f'<a href="{up}methodology.html">/methodology.html</a> for current standards.'
        )
    else:
        tool = record.provenance.tool_version
        parts.append(f"Archive · {e(record.host)} telemetry · {e(path)}.")
        if tool:
            commit = record.provenance.git_commit
            parts.append(
                f"Recorded by bench {e(tool)}" + (f" ({e(commit[:12])})." if commit else ".")
            )
        parts.append(
            f'See <a href="{up}methodology.html">/methodology.html</a> for how it was measured.'
        )
    if record.methodology_version < METHODOLOGY_VERSION:
        parts.append(
            f"This run used methodology v{record.methodology_version}; "
            f"the current version is v{METHODOLOGY_VERSION}."
        )
    if record.status == "partial":
        parts.append(
            '<strong class="bench-partial">Partial run:</strong> it stopped before every '
            "call finished; figures cover what was recorded."
        )
    parts.append(f'<a class="bench-back" href="{up}index.html">← back to all benchmarks</a>')
    return f'<div class="bench-banner" role="note"><p>{" ".join(parts)}</p></div>'


def _header(run: RunAnalysis) -> str:
    r = run.record
    finished = r.finished_at.strftime("%Y-%m-%dT%H:%M:%SZ") if r.finished_at else fmt.DASH
    started = r.started_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        f"<h1>{e(r.title)}</h1>\n"
        f'<p class="bench-tagline">{e(TAGLINE)}</p>\n'
        f'<p class="bench-lede">{e(LEDE)}</p>\n'
        '<p class="bench-meta">'
        f"<span>Started: <time>{started}</time></span> "
        f"<span>Finished: <time>{finished}</time></span> "
        f"<span>Best direct: {e(summary.best_direct_text(run))}</span> "
        f"<span>Best cascade: {e(summary.best_cascade_text(run))}</span></p>"
    )


def _kpis(run: RunAnalysis) -> str:
    cards = "".join(
        f'<div class="bench-kpi"><div class="bench-kpi-label">{e(k.label)}</div>'
        f'<div class="bench-kpi-value">{e(k.value)}</div>'
        f'<p class="bench-kpi-note">{e(k.note)}</p></div>'
        for k in summary.kpis(run)
    )
    return f'<div class="bench-kpis">{cards}</div>'


def _section(anchor: str, kicker: str, title: str, intro: str, body: str) -> str:
    return (
        f'<section class="bench-section" id="{anchor}">'
        f'<p class="bench-kicker">{e(kicker)}</p><h2>{e(title)}</h2>'
        f"<p>{e(intro)}</p>{body}</section>"
    )


def _findings(run: RunAnalysis) -> str:
    cards = "".join(
        f'<div class="bench-finding"><h3>{e(f.title)}</h3><p>{e(f.text)}</p></div>'
        for f in findings_for(run)
    )
    return _section(
        "findings",
        "Findings",
        "What this run actually says",
        "These are conclusions inferred from the run output, not generic benchmark filler.",
        f'<div class="bench-findings">{cards}</div>',
    )


def _charts(charts: Sequence[Chart]) -> str:
    figures = "".join(_figure(c) for c in charts)
    return (
        f'<section class="bench-section" id="charts"><div class="bench-charts">{figures}</div>'
        "</section>"
    )


def _figure(chart: Chart) -> str:
    head = (
        f'<p class="bench-kicker">{e(chart.kicker)}</p><h3>{e(chart.title)}</h3>'
        f"<p>{e(chart.description)}</p>"
    )
    if not chart.rows:
        empty = '<p class="bench-empty">No data in this run.</p>'
        return f'<figure class="bench-chart">{head}{empty}</figure>'
    legend = "".join(f"<li>{e(s)}</li>" for s in chart.series)
    rows = _table(
        ["Series", "Label", "Value", "Min", "Max"],
        [
            [
                e(r.series),
                e(r.x),
                chart.value_text(r.value),
                chart.value_text(r.low),
                chart.value_text(r.high),
            ]
            for r in chart.rows
        ],
    )
    return (
        f'<figure class="bench-chart">{head}'
        f'<img src="charts/{chart.name}.svg" alt="{e(chart.title)}" loading="lazy">'
        f'<figcaption><ul class="bench-legend">{legend}</ul>'
        f'<a href="charts/{chart.name}.vl.json" download>Vega-Lite spec (JSON)</a>'
        f"<details><summary>Chart data</summary>{rows}</details></figcaption></figure>"
    )


def _hotspots(run: RunAnalysis) -> str:
    if run.hotspots:
        body = _table(
            ["Check", "Failures", "Share", "Examples"],
            [
                [
                    f"<code>{e(h.check)}</code>",
                    str(h.failures),
                    fmt.percent(h.share),
                    e(", ".join(h.examples)),
                ]
                for h in run.hotspots
            ],
        )
    else:
        body = '<p class="bench-empty">No check failed in this run.</p>'
    return _section(
        "failure-hotspots",
        "Failure Hotspots",
        "What kept breaking",
        "These are the checks that failed most often across direct candidates and cascade "
        "refinements.",
        body,
    )


def _direct_table(run: RunAnalysis) -> str:
    rows = [_direct_row(d) for d in run.direct]
    body = _table(
        [
            "Model",
            "Size (B)",
            "Score",
            "Call Wall",
            "Throughput",
            "Eval Wall",
            "Top Failed Checks",
            "Candidate",
        ],
        rows,
    )
    return _section(
        "direct-models",
        "Direct Models",
        "Direct baseline breakdown",
        "This is the clean read on what each model did when it saw the original prompt with no "
        "smaller-model draft attached.",
        body if rows else '<p class="bench-empty">No direct model finished in this run.</p>',
    )


def _direct_row(d: DirectSummary) -> list[str]:
    return [
        e(d.tag),
        fmt.size_b(d.model.params_b),
        fmt.stat(d.score),
        fmt.stat(d.call_wall_s, "seconds"),
        fmt.stat(d.throughput_tok_s, "tok_s"),
        fmt.stat(d.outcomes.eval_wall_s, "seconds2"),
        _checks_text(d.outcomes),
        _candidates(d.outcomes.candidates),
    ]


def _cascade_table(run: RunAnalysis) -> str:
    rows = [_cascade_row(c) for c in run.cascades]
    body = _table(
        [
            "Pair",
            "Small Direct",
            "Large Direct",
            "Cascade",
            "Δ vs Large",
            "Δ vs Small",
            "Pipeline Wall",
            "Large Direct Wall",
            "Δ Wall",
            "Faster?",
            "Top Failed Checks",
            "Candidate",
        ],
        rows,
    )
    return _section(
        "handoff-pairs",
        "Handoff Pairs",
        "Cascade breakdown",
        "These rows show whether the smaller draft helped, hurt, or just slowed down the larger "
        "refiner.",
        body if rows else '<p class="bench-empty">This run has no handoff pairs.</p>',
    )


def _cascade_row(c: CascadeSummary) -> list[str]:
    wall = c.delta_wall_s
    return [
        e(c.label),
        fmt.stat(c.small.score),
        fmt.stat(c.large.score),
        fmt.stat(c.score),
        fmt.signed_pts(c.delta_vs_large_pts),
        fmt.signed_pts(c.delta_vs_small_pts),
        fmt.stat(c.pipeline_wall_s, "seconds"),
        fmt.stat(c.large.call_wall_s, "seconds"),
        fmt.DASH if wall is None else fmt.signed_seconds(wall),
        "yes" if c.speed_win else "no",
        _checks_text(c.outcomes),
        _candidates(c.outcomes.candidates),
    ]


def _checks_text(outcomes: Outcomes) -> str:
    return e(", ".join(outcomes.top_failed_checks)) or fmt.DASH


def _candidates(files: Iterable[CandidateFile | None]) -> str:
    links = []
    for candidate in files:
        if candidate is None:
            links.append(fmt.DASH)
        elif candidate.path is None:
            links.append(
                f'{e(candidate.name)} <span class="bench-note">(source not archived)</span>'
            )
        else:
            links.append(f'<a href="{e(text_file_href(candidate.path))}">{e(candidate.name)}</a>')
    if len(links) == 1:
        return links[0]
    return " ".join(f"#{n}&nbsp;{link}" for n, link in enumerate(links, start=1))


def _check_matrix(run: RunAnalysis) -> str:
    names = [c.name for c in run.record.checks]
    header = [
        "Candidate",
        *[
            f"<code>{e(n)}</code> ({fmt.number(c.weight)})"
            for n, c in zip(names, run.record.checks, strict=True)
        ],
        "Score",
    ]
    rows = []
    for label, outcomes in run.candidates:
        for n, evaluation in enumerate(outcomes.evaluations, start=1):
            got = {c.name: c for c in evaluation.checks}
            cells = []
            for name in names:
                result = got.get(name)
                if result is None:
                    cells.append(fmt.DASH)
                    continue
                title = f' title="{e(result.detail)}"' if result.detail else ""
                cells.append(
                    f'<span class="bench-{result.outcome.value}"{title}>'
                    f"{MARK[result.outcome.value]} {result.outcome.value}</span>"
                )
            who = e(label) + (f" #{n}" if len(outcomes.evaluations) > 1 else "")
            rows.append([who, *cells, fmt.score(evaluation.score)])
    return _section(
        "check-matrix",
        "Checks",
        "Check matrix",
        "Every candidate against every check (weight in points): passed, failed, or skipped "
        "because the compile gate failed.",
        _table(header, rows, raw_header=True),
    )


def _errors(run: RunAnalysis) -> str:
    items = [(d.tag, err) for d in run.direct for err in d.errors]
    items += [(c.label, err) for c in run.cascades for err in c.errors]
    if not items:
        return ""
    body = "".join(
        f"<li><strong>{e(who)}</strong>: <code>{e(err)}</code></li>" for who, err in items
    )
    return _section(
        "call-errors",
        "Call Errors",
        "Calls that failed",
        "A failed call scores 0; its wall time is left out of the wall-time figures.",
        f"<ul>{body}</ul>",
    )


def _provenance(run: RunAnalysis) -> str:
    record = run.record
    p = record.provenance
    sampling = ", ".join(f"{k}={v}" for k, v in p.sampling.model_dump().items() if v is not None)
    facts = [
        ("Benchmark", record.benchmark_id),
        ("Run", record.run_id),
        ("Task", record.task_id),
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
    items = "".join(f'<tr><th scope="row">{e(k)}</th><td>{e(v)}</td></tr>' for k, v in facts)
    notes = ""
    if p.legacy and p.legacy.notes:
        notes = "<ul>" + "".join(f"<li>{e(n)}</li>" for n in p.legacy.notes) + "</ul>"
    link = (
        f'<p><a class="bench-raw" href="{RECORD_FILENAME}" download>'
        f"Download the raw run record ({RECORD_FILENAME})</a></p>"
    )
    return _section(
        "provenance",
        "Provenance",
        "Where these numbers come from",
        "The run record behind this page, and what produced it.",
        f'<table class="bench-facts">{items}</table>{notes}{link}',
    )


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


def _table(header: list[str], rows: list[list[str]], raw_header: bool = False) -> str:
    head = "".join(f"<th>{h if raw_header else e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return (
        f'<div class="bench-table"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _strip_tags(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))
