"""Run charts' Vega-Lite specs, made in the reader's browser when downloaded.

A run's five specs took ~7.5 kB a run (~75 MB of 10,000 runs' site), three quarters of it the
same template again. So the site publishes each kind's template once, in `assets/bench/specs.js`
(a script, so it loads from file:// too), and a run page carries each chart's own part (its
template's name, its data and x order) in a JSON script beside the chart, the data as tables
(each run of rows with the same fields: the fields once, then each row's values); the page's
script (`assets/index.js`) puts that data in the template, as `fill` does, and saves the spec
under the name the file had (`direct-score.vl.json`). Without JavaScript the download is not
offered; the chart's data table is there either way.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from markupsafe import Markup

from bench.site.cache import BuildCache
from bench.site.charts import frontier, model
from bench.site.charts.model import SpecData, spec_text

# Where a published template takes the chart's data and x order (index.js knows them too).
VALUES_MARK = '"__bench_values__"'
ORDER_MARK = '"__bench_order__"'


def published_templates(cache: BuildCache) -> dict[str, str]:
    """Every run chart's template as published: the spec as `spec_text` writes it, with
    `VALUES_MARK` and `ORDER_MARK` where its data and x order go."""
    found = {
        model.template_name(kind, unit, angle): _marked(
            model.template_json(cache, kind, unit, angle)
            .replace(model.VALUES_JSON, VALUES_MARK)
            .replace(model.ORDER_JSON, ORDER_MARK)
        )
        for kind, unit, angle in model.RUN_TEMPLATES
    }
    found[frontier.TEMPLATE] = _marked(
        frontier.template_json(cache).replace(frontier.VALUES_JSON, VALUES_MARK)
    )
    return found


def _marked(template: str) -> str:
    return spec_text(json.loads(template))


def specs_script(cache: BuildCache) -> str:
    """`assets/bench/specs.js`: the templates, by name, in `window.benchSpecs`."""
    return f"window.benchSpecs = {json.dumps(published_templates(cache), sort_keys=True)};\n"


def fill(template: str, data: SpecData) -> str:
    """The spec's text from its published template, as the page's script makes it."""
    text = template.replace(VALUES_MARK, json.dumps(data.values, separators=(",", ":")))
    if data.order is not None:
        text = text.replace(ORDER_MARK, json.dumps(data.order, separators=(",", ":")))
    return text


def tables(values: list[dict[str, Any]]) -> list[list[Any]]:
    """The spec's data rows as the page carries them: each run of rows with the same fields
    as `[fields, rows]`, a row its values in the fields' order (half the bytes of the rows)."""
    return [
        [list(fields), [list(row.values()) for row in rows]]
        for fields, rows in itertools.groupby(values, key=_fields)
    ]


def _fields(row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(row)


def spec_data_json(chart: Any) -> Markup:
    """A chart's `SpecData` as the page carries it, inside <script type="application/json">:
    JSON with `<`, `>` and `&` written as \\u escapes, so no text of a record closes the
    script or reads as markup (what Django's `json_script` does)."""
    data: SpecData = chart.spec_data
    found: dict[str, Any] = {"template": data.template, "tables": tables(data.values)}
    if data.order is not None:
        found["order"] = data.order
    text = json.dumps(found, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
