"""A run chart's Vega-Lite spec, downloaded from its page: the site's template of its kind with
the page's data put in is altair's spec of the chart; the page's data cannot close its script.

The download itself, in a browser over http and from file://, is in tests/test_browser.py; the
spec read off a built page, as the page's script makes it, in tests/test_seed_report.py."""

from __future__ import annotations

import json

import pytest

from bench.record.analysis import RunAnalysis
from bench.record.schema import RunRecord
from bench.site.cache import BuildCache
from bench.site.charts.frontier import frontier_chart
from bench.site.charts.model import RUN_TEMPLATES, charts_for, template_name
from bench.site.charts.specs import (
    ORDER_MARK,
    VALUES_MARK,
    fill,
    published_templates,
    spec_data_json,
    specs_script,
)
from tests.support import records as varied
from tests.support.records import make_record

CACHE = BuildCache()
RECORDS = {
    "three models, two pairs": make_record(),
    "repeats": make_record(repeats=3),
    "long labels": make_record(
        models=("qwen2.5-coder:7b", "mistral:7b", "llama3.1:8b", "gemma2:9b"),
        pairs=(("qwen2.5-coder:7b", "gemma2:9b"), ("mistral:7b", "gemma2:9b")),
    ),
    "one model": make_record(models=("solo:3b",), pairs=()),
    "no pairs": make_record(pairs=()),
}
HOSTILE = "</script><script>alert(1)</script> & <!--"


@pytest.mark.parametrize("record", RECORDS.values(), ids=RECORDS.keys())
def test_the_template_with_the_pages_data_is_altairs_spec(record: RunRecord) -> None:
    templates = published_templates(CACHE)
    run = RunAnalysis(record)
    for chart in [*charts_for(run, CACHE), frontier_chart(run, CACHE)]:
        assert json.loads(fill(templates[chart.spec_data.template], chart.spec_data)) == chart.spec


def test_every_run_chart_template_is_published_once_with_its_marks() -> None:
    templates = published_templates(CACHE)
    for kind, unit, angle in RUN_TEMPLATES:
        template = templates[template_name(kind, unit, angle)]
        assert template.count(VALUES_MARK) == 1 and ORDER_MARK in template
    assert templates["run-frontier"].count(VALUES_MARK) == 1
    assert len(templates) == len(RUN_TEMPLATES) + 1
    head = "window.benchSpecs = "
    script = specs_script(CACHE)
    assert script.startswith(head) and json.loads(script[len(head) : -2]) == templates


def test_text_from_the_record_cannot_close_the_pages_data_script() -> None:
    record = varied.record(
        [
            varied.direct(f"{HOSTILE}:7b", 7.0, varied.sample(3.0)),
            varied.direct("x:1b", 1.0, varied.sample(2.0)),
        ]
    )
    run = RunAnalysis(record)
    for chart in [*charts_for(run, CACHE), frontier_chart(run, CACHE)]:
        text = str(spec_data_json(chart))
        assert not {"<", ">", "&"} & set(text), chart.name
        data = json.loads(text)
        assert data["template"] == chart.spec_data.template
        rows = [dict(zip(f, row, strict=True)) for f, table in data["tables"] for row in table]
        assert rows == chart.spec_data.values
    frontier = frontier_chart(run, CACHE)
    assert any(HOSTILE in str(row.get("name")) for row in frontier.spec_data.values)
