"""The MkDocs plugin: MkDocs' side of a site build (`bench.site.build`), one hook at a time."""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc
from mkdocs.utils.yaml import yaml_load

from bench.record.safety import printable
from bench.record.scan import ArchiveError
from bench.site.build import BuildError, Fingerprint, SiteBuild
from bench.site.feed import FEED_PATH
from bench.site.kinds import GeneratedPage
from bench.site.minify import omit_end_tags, strip_indentation, strip_script
from bench.site.publish import RefusedFile
from bench.site.render import TEMPLATES_DIR, bytecode_cache
from bench.site.sections import Section
from bench.site.watch import ArchiveWatch

if TYPE_CHECKING:
    from jinja2 import Environment
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.livereload import LiveReloadServer
    from mkdocs.structure.nav import Navigation
    from mkdocs.utils.templates import TemplateContext

log = logging.getLogger("mkdocs.plugins.bench-archive")
ASSETS = Path(__file__).parent / "assets"
CSS_URI = "assets/bench/bench.css"
JS_URI = "assets/bench/index.js"
SPECS_URI = "assets/bench/specs.js"  # the run charts' spec templates (`bench.site.charts.specs`)
# A link from the host's root (`/assets/...`), not a protocol-relative one (`//host/...`).
_ROOTED = re.compile(r'\b(href|src)="/(?!/)')


class ArchiveConfig(Config):
    archive_dir = c.Type(str, default="archive")
    """Folder of run records, relative to mkdocs.yml; read, never written."""
    cache_dir = c.Type(str, default=".cache/bench")
    """Drawn charts, their specs and the published record copies, keyed by content; relative
    to mkdocs.yml; safe to delete."""
    index_page = c.Type(str, default="index.md")
    """The page that lists every run; generated unless docs_dir has it, then appended to."""
    search_run_pages = c.Type(bool, default=False)
    """Index run pages, and the pages that list runs (months, models, trends), in the site
    search. Off: with thousands of runs their text would make search/search_index.json tens of
    MB, which the browser loads on the first search, and the build parses every one; the runs
    index filters runs instead."""


class ArchivePlugin(BasePlugin[ArchiveConfig]):
    """Each hook hands MkDocs' part to the build (`bench.site.build.SiteBuild`), which owns
    the cache, the drawing, the publishing and the old site."""

    def __init__(self) -> None:
        self.build: SiteBuild | None = None
        self.watch: ArchiveWatch | None = None  # the archive's, while serving
        self.serving = False
        self.cleaning = False  # this build empties site_dir (not --dirty)

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # `mkdocs serve` keeps this plugin across rebuilds: a bad record shows a page saying
        # so (a build error would leave every request hanging) until the file is fixed.
        self.serving = command == "serve"
        self.cleaning = not dirty  # MkDocs empties site_dir first: the old site is moved aside

    def on_shutdown(self) -> None:
        # MkDocs keeps this plugin across the configs of one process: the next command's
        # `on_startup` says what it is; until then, a plain build.
        self.serving = self.cleaning = False
        self.build = None
        if self.watch is not None:
            self.watch.stop()
            self.watch = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        root = Path(config.config_file_path or ".").resolve().parent
        self.archive_dir = (root / self.config.archive_dir).resolve()
        # Last on the theme's search path: a user's custom_dir/bench/report.html wins.
        if str(TEMPLATES_DIR) not in config.theme.dirs:
            config.theme.dirs.append(str(TEMPLATES_DIR))
        # Page bodies get their own environment, on the same search path: the index is rendered
        # before the theme's (on_env comes after every page's Markdown), and it autoescapes.
        self.build = SiteBuild(
            self.archive_dir,
            (root / self.config.cache_dir).resolve(),
            config.theme.dirs,
            serving=self.serving,
            search_all=self.config.search_run_pages,
            after=self.build if self.serving else None,  # the server's last build
        )
        if self.serving:
            _serve_as_built(config, self.build.layout.serve_site)
        try:
            self.build.check_places(
                Path(config.docs_dir).resolve(), Path(config.site_dir).resolve()
            )
        except BuildError as error:
            raise PluginError(f"bench-archive: {error}") from None
        # First, so the user's extra_css comes after ours and wins without !important.
        if CSS_URI not in config.extra_css:
            config.extra_css.insert(0, CSS_URI)
        if JS_URI not in map(str, config.extra_javascript):
            config.extra_javascript.append(JS_URI)
        return config

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        # MkDocs empties site_dir next: only then is the old site moved aside, to be reused.
        assert self.build is not None
        self.build.begin(config.site_dir, cleaning=self.cleaning)

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        assert self.build is not None
        try:
            plan = self.build.plan(_fingerprint(self, config, files))
        except ArchiveError as error:
            raise PluginError(f"bench-archive: {error}") from None
        if self.build.archive_error is not None:  # info: a warning would stop a strict serve
            log.info("bench-archive: %s", self.build.archive_error)
        for page in plan.to_render:
            file = File.generated(
                config, page.src_uri, content="", inclusion=InclusionLevel.NOT_IN_NAV
            )
            files.append(file)
            _BodyPage(None, file, config)
        for path, content in plan.data_files.items():
            files.append(File.generated(config, path, content=content))
        feed = self.build.feed(config.site_name, config.site_url or "")
        files.append(File.generated(config, FEED_PATH, content=feed))
        files.append(File.generated(config, CSS_URI, abs_src_path=str(ASSETS / "bench.css")))
        script = strip_script((ASSETS / "index.js").read_text(encoding="utf-8"))
        files.append(File.generated(config, JS_URI, content=script))
        files.append(File.generated(config, SPECS_URI, content=self.build.specs_script()))
        if files.get_file_from_path(self.config.index_page) is None:
            files.append(File.generated(config, self.config.index_page, content="# Runs\n"))
        return files

    def on_env(self, env: Environment, /, *, config: MkDocsConfig, files: Files) -> Environment:
        """The theme's templates compiled once, not every build (~0.5 s of a no-change build):
        Jinja's own bytecode cache, in a folder only this user may write, outside the project,
        so a restored or planted build cache never holds code a build runs."""
        if env.bytecode_cache is None:
            env.bytecode_cache = bytecode_cache()
        return env

    def _page(self, page: Page) -> GeneratedPage | None:
        return self.build.page(page.file.src_uri) if self.build is not None else None

    def on_page_markdown(
        self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        generated = self._page(page)
        if generated is not None:
            page.meta["title"] = escape(printable(generated.title))  # the theme does not escape it
            page.meta.setdefault("hide", ["navigation"])
            if not generated.searched and not self.config.search_run_pages:
                page.meta.setdefault("search", {"exclude": True})
        return markdown

    def on_page_content(
        self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        build = self.build
        assert build is not None
        if build.archive_error is not None:
            html = _error_box(build.archive_error) + html
        if self._page(page) is not None:
            return ""  # rendered in on_page_context, as late as can be: see there
        if build.archive_error is not None:
            return html  # the error box says what is wrong; "no runs yet" would not be true
        if page.file.src_uri == self.config.index_page:
            index = build.index_html()
            if index is not None:
                return html + '\n<div class="bench-runs">' + index + "</div>"
        return html

    # A run page is rendered just before its template and dropped once written: MkDocs renders
    # every page's Markdown before writing any, and 10,000 run pages would hold ~300 MB.
    @event_priority(100)  # before the search plugin reads the page
    def on_page_context(
        self, context: TemplateContext, /, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext | None:
        generated = self._page(page)
        if generated is not None and self.build is not None:
            body, sections = generated.render(self.build.env)
            self.build.rendered(generated, body, sections)
            page.toc = _toc(sections)
            page.content = body
        return context

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str | None:
        output = omit_end_tags(strip_indentation(output))
        if self._page(page) is not None and self.build is not None:
            page.content = None
            self.build.written(page.file.src_uri, page.file.dest_uri, output)
        return output

    def on_post_template(
        self, output_content: str, /, *, template_name: str, config: MkDocsConfig
    ) -> str | None:
        """The sitemap lists the pages MkDocs rendered; a page published from the cache is
        a file to MkDocs, so it is added here (a sitemap needs site_url: without it, none).

        Without site_url MkDocs links 404.html from the host's root (`/assets/...`), unstyled
        under a project path: its links start from the site's root folder instead, right for
        an address one level deep, from `file://` and under any path."""
        if template_name == "404.html" and not config.site_url:
            unrooted = _ROOTED.sub(r'\1="', output_content)
            return unrooted.replace('"base": "/"', '"base": "."').replace(
                '"search": "/', '"search": "'
            )
        if template_name != "sitemap.xml" or not config.site_url or self.build is None:
            return output_content
        return _with_urls(output_content, config.site_url, self.build.from_cache)

    def on_build_error(self, *, error: Exception) -> None:
        if self.build is not None:
            self.build.abort()

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """The pages published from the cache, and each run's files (record, candidates,
        charts), are put in the site by the build, not handed to MkDocs as files: 10,000 runs
        have over 100,000 of them, and MkDocs' handling of a file costs more than linking it."""
        if not config.site_url:  # a sitemap's addresses are absolute: without one, no sitemap
            for name in ("sitemap.xml", "sitemap.xml.gz"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(os.path.join(config.site_dir, name))
        assert self.build is not None
        try:
            self.build.finish()
        except RefusedFile as error:
            raise PluginError(f"bench-archive: the build cache is refused: {error}") from None
        except BuildError as error:
            raise PluginError(f"bench-archive: {error}") from None

    def on_serve(
        self, server: LiveReloadServer, /, *, config: MkDocsConfig, builder: Any
    ) -> LiveReloadServer:
        assert self.build is not None
        # The system's events (`bench.site.watch`), else the server polls the archive itself.
        self.watch = watch = ArchiveWatch(self.archive_dir, self.build.layout.serve_signal)
        watch.start(unwatched=lambda: server.watch(str(self.archive_dir)))
        server.watch(str(watch.signal_dir))
        site_dir = os.path.abspath(config.site_dir)  # the build's folder, not MkDocs' own
        server.root = site_dir
        server.error_handler = lambda code: _error_page(site_dir, code)
        return server


class _BodyPage(Page):
    """A generated page: its Markdown is empty and its body is rendered in `on_page_context`,
    so no Markdown converter is made for it. MkDocs makes one a page (~3 ms: every extension
    built again, each found through its entry point), the largest part of its own work for a
    run page; an empty document gives no content, headings, anchors, links nor title."""

    def render(self, config: MkDocsConfig, files: Files) -> None:
        if self.markdown:  # another plugin wrote some: converted as MkDocs would
            super().render(config, files)
            return
        self.content = ""
        self.toc = get_toc([])
        self.present_anchor_ids = set()


def _serve_as_built(config: MkDocsConfig, site_dir: Path) -> None:
    """`mkdocs serve` made to build what `mkdocs build` publishes: its pages for the site's
    own address (MkDocs puts the server's there: a page's canonical link), so each page the
    build cache holds is served as it is; into a folder of the cache, kept between servers and
    on the cache's file system, so a new server starts from the last one's site, as a build
    with nothing changed, and links rather than copies (MkDocs' is an empty temporary one)."""
    if config.config_file_path:
        with open(config.config_file_path, "rb") as file:
            raw = yaml_load(file)
        config.site_url = c.Optional(c.URL(is_dir=True)).validate(raw.get("site_url"))
    site_dir.mkdir(parents=True, exist_ok=True)
    config.site_dir = str(site_dir)


def _error_page(site_dir: str, code: int) -> bytes | None:
    """The site's own page for a 404 or 500, as MkDocs' server would send it."""
    if code not in (404, 500):
        return None
    try:
        with open(os.path.join(site_dir, f"{code}.html"), "rb") as file:
            return file.read()
    except OSError:
        return None


def _with_urls(sitemap: str, site_url: str, paths: Sequence[str]) -> str:
    """The sitemap with a <url> for each of `paths` before its closing tag."""
    end = sitemap.rfind("</urlset>")
    if not paths or end < 0:
        return sitemap
    base = site_url.rstrip("/") + "/"
    urls = "".join(
        f"\n    <url>\n         <loc>{escape(base + path)}</loc>\n    </url>" for path in paths
    )
    return sitemap[:end] + urls + "\n" + sitemap[end:]


def _fingerprint(plugin: ArchivePlugin, config: MkDocsConfig, files: Files) -> Fingerprint:
    """What every cached page shares: the theme, the site's settings and the navigation."""
    settings = {
        name: config.get(name)
        for name in (
            "site_name", "site_url", "site_description", "site_author", "copyright", "repo_url",
            "repo_name", "edit_uri", "extra", "extra_css", "extra_javascript", "nav",
            "use_directory_urls", "markdown_extensions", "mdx_configs",
        )
    }  # fmt: skip
    settings["theme"] = {k: v for k, v in config.theme.items()}
    settings["plugins"] = list(config.plugins)
    settings["bench-archive"] = dict(plugin.config)
    docs = [Path(f.abs_src_path) for f in files.documentation_pages() if f.abs_src_path]
    return Fingerprint(theme_dirs=list(config.theme.dirs), settings=settings, docs=docs)


def _toc(sections: Iterable[Section]) -> Any:
    """The page's table of contents: the sections its template renders, in the same order."""
    return get_toc(
        [
            {"level": s.level, "id": s.id, "name": escape(printable(s.title)), "children": []}
            for s in sections
        ]
    )


def _error_box(error: ArchiveError) -> str:
    """What `mkdocs serve` shows on every page while the archive has a bad record."""
    items = "".join(f"<li><code>{escape(printable(str(p)))}</code></li>" for p in error.problems)
    return (
        '<div class="bench-archive-error" role="alert"><p><strong>The archive has bad run '
        "records: no run is shown until they are fixed, and this page reloads then.</strong></p>"
        f"<ul>{items}</ul></div>"
    )
