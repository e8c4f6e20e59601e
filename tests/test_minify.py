"""Built pages carry no template indentation, and show exactly what they showed before."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.site.minify import strip_indentation, strip_script
from tests.support.sitebuild import SEED_RUN, build_site, make_project, page_text

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
