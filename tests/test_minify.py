"""Built pages carry no template indentation nor the table end tags HTML lets them leave out,
and show exactly what they showed before."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bench.site.minify import omit_end_tags, strip_indentation, strip_script
from tests.support.sitebuild import SEED_RUN, build_site, make_project, page_text

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CODE = "def f():\n    return {\n        'a': 1,\n    }\n"
SCRIPT = "<script>\nconst s = `a\n    b`;\n</script>"


def test_indentation_goes_and_text_stays() -> None:
    html = "<div>\n    <p>one\n      two</p>\n\n\n    <p>three</p>\n</div>"
    stripped = strip_indentation(html)
    assert stripped == "<div>\n<p>one\ntwo</p>\n<p>three</p>\n</div>"
    assert page_text(stripped) == page_text(html) == "one two three"


@pytest.mark.parametrize(
    "kept",
    [
        f"<pre><code>{CODE}</code></pre>",
        f'<PRE class="x">{CODE}</PRE >',
        SCRIPT,
        "<textarea>\n  a\n    b</textarea>",
        "<style>\n  a {\n    color: red;\n  }\n</style>",
    ],
)
def test_whitespace_that_is_content_is_kept(kept: str) -> None:
    html = f"<div>\n    {kept}\n    <p>after</p>\n</div>"
    assert strip_indentation(html) == f"<div>\n{kept}\n<p>after</p>\n</div>"


def test_table_cells_and_rows_lose_the_end_tags_the_next_tag_implies() -> None:
    html = (
        "<table><thead><tr><th>A</th><th>B</th></tr></thead><tbody>"
        '<tr><th scope="row">1</th><td>2</td></tr><tr><td>3</td></tr></tbody></table>'
    )
    assert omit_end_tags(html) == (
        "<table><thead><tr><th>A<th>B</thead><tbody>"
        '<tr><th scope="row">1<td>2<tr><td>3</tbody></table>'
    )
    assert page_text(omit_end_tags(html)) == page_text(html)


@pytest.mark.parametrize(
    "kept",
    [
        "<pre><code>&lt;/td&gt;</td><td></code></pre>",
        '<script>var s = "</td><td>";</script>',
        "<textarea></tr><tr></textarea>",
        "<td>a</td>\n<td>b</td>",  # only an end tag right before the tag that implies it
        "<p>a</p><td>",
    ],
)
def test_other_end_tags_and_content_are_kept(kept: str) -> None:
    assert omit_end_tags(kept) == kept


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = make_project(tmp_path_factory.mktemp("minify"))
    guide = project / "site_src" / "guide.md"
    guide.write_text(f"# Guide\n\n```python\n{CODE}```\n", encoding="utf-8")
    return build_site(project)


@pytest.mark.slow
def test_built_pages_have_no_indented_lines_outside_code(site: Path) -> None:
    pages = [site / SEED_RUN / "report.html", site / "index.html", site / "methodology.html"]
    for page in pages:
        html = page.read_text(encoding="utf-8")
        outside = re.sub(r"<(pre|script|style|textarea)\b.*?</\1>", "", html, flags=re.S)
        assert not re.search(r"\n[ \t]", outside), page.name


@pytest.mark.slow
def test_code_blocks_keep_their_indentation(site: Path) -> None:
    html = (site / "guide.html").read_text(encoding="utf-8")
    code = re.search(r"<pre\b.*?</pre>", html, flags=re.S)
    assert code is not None
    text = re.sub(r"<[^>]+>", "", code.group(0)).replace("&#39;", "'").replace("&quot;", '"')
    assert "    return {\n        'a': 1,\n    }" in text


def test_the_script_loses_comments_and_indentation_and_keeps_its_strings() -> None:
    source = "function f() {\n  /* a comment */\n\n  return \"/* kept */ \" + 'a';\n}\n"
    assert strip_script(source) == "function f() {\nreturn \"/* kept */ \" + 'a';\n}\n"


@pytest.mark.parametrize("unsafe", ["var s = `a\n  b`;", "x.replace(/a/g, '');", "f(); // why"])
def test_the_script_stripper_refuses_what_it_cannot_read(unsafe: str) -> None:
    with pytest.raises(ValueError, match="strip_script"):
        strip_script(unsafe)


@pytest.mark.slow
def test_a_browser_builds_the_same_page_without_the_end_tags(site: Path, browser: Browser) -> None:
    """The run page as a browser reads it, written out again with every end tag, reads the
    same with the end tags left out: the same document, cell for cell."""
    page = browser.new_page(java_script_enabled=False)
    page.set_content((site / SEED_RUN / "report.html").read_text(encoding="utf-8"))
    full = page.evaluate("document.documentElement.outerHTML")
    assert "</td>" in full and "</tr>" in full
    page.set_content(omit_end_tags(full))
    assert page.evaluate("document.documentElement.outerHTML") == full
    page.close()
