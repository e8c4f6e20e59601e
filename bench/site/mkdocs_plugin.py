"""The MkDocs plugin: wires the archive core into MkDocs events, and nothing more."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.toc import get_toc

from bench.record.archive import ArchiveError, load_archive
from bench.record.safety import printable
from bench.site.cache import BuildCache
from bench.site.feed import FEED_PATH, render_feed
from bench.site.index import render_index
from bench.site.listed import Listings
from bench.site.minify import strip_indentation, strip_script
from bench.site.pagecache import PageCache, build_fingerprint
from bench.site.publish import (
    OldSite,
    Pair,
    Published,
    Publisher,
    RefusedFile,
    publish_runs,
    put_all,
)
from bench.site.render import TEMPLATES_DIR, environment
from bench.site.report import Section
from bench.site.sitepages import (
    HOME_RUNS,
    GeneratedPage,
    SitePages,
    data_stems,
    site_pages,
)

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.livereload import LiveReloadServer
    from mkdocs.structure.nav import Navigation
    from mkdocs.structure.pages import Page
    from mkdocs.utils.templates import TemplateContext

log = logging.getLogger("mkdocs.plugins.bench-archive")
ASSETS = Path(__file__).parent / "assets"
CSS_URI = "assets/bench/bench.css"
JS_URI = "assets/bench/index.js"
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
    def __init__(self) -> None:
        self.site: SitePages | None = None
        self.keys: dict[str, str] = {}  # page source -> its cache key
        self.serving = False
        self.cleaning = False  # this build empties site_dir (`mkdocs build`, not --dirty)
        self.old_site: OldSite | None = None  # the last build's, moved aside
        self.collecting = False  # the cycle collector was on when the build began
        self.linking: ThreadPoolExecutor | None = None
        self.linked: Future[Published] | None = None  # runs whose files were missing
        self.drawing: subprocess.Popen[str] | None = None  # the trend charts vl-convert draws
        self.archive_error: ArchiveError | None = None
        self.from_cache: list[str] = []  # site paths of the pages published from the cache
        self.cached: list[Pair] = []  # (file of the cache, its site path)
        self.run_pages: dict[str, list[Pair]] = {}  # the cached pages of each run folder
        self.written: list[Pair] = []  # pages rendered this build, and their cached copies

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # `mkdocs serve` keeps this plugin across rebuilds: a bad record shows a page saying
        # so (a build error would leave every request hanging) until the file is fixed.
        self.serving = command == "serve"
        self.cleaning = command == "build" and not dirty

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        # MkDocs empties site_dir next, one file at a time: ~3 s for the 130,000 files of
        # 10,000 runs, which the build would link again. Moved aside instead, the old site
        # gives back each run folder that holds what this build would put there
        # (`bench.site.publish`). Only in `mkdocs build` without --dirty, where MkDocs is
        # known to empty the folder anyway.
        self.old_site = None
        if self.cleaning and os.path.isdir(config.site_dir):
            self.old_site = OldSite(config.site_dir, str(self.cache_dir / "old-sites"))

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        root = Path(config.config_file_path or ".").resolve().parent
        self.archive_dir = (root / self.config.archive_dir).resolve()
        self.cache_dir = (root / self.config.cache_dir).resolve()
        docs = Path(config.docs_dir).resolve()
        site = Path(config.site_dir).resolve()
        for name, folder in (("archive_dir", self.archive_dir), ("cache_dir", self.cache_dir)):
            if folder in (docs, site) or docs in folder.parents or site in folder.parents:
                raise PluginError(f"bench-archive: {name} must be outside docs_dir and site_dir")
        if self.cache_dir == self.archive_dir or self.archive_dir in self.cache_dir.parents:
            raise PluginError(
                f"bench-archive: cache_dir must be outside archive_dir ({self.archive_dir}), "
                f"found {self.cache_dir}"
            )
        self.cache = BuildCache(self.cache_dir / "templates")
        # Last on the theme's search path: a user's custom_dir/bench/report.html wins.
        if str(TEMPLATES_DIR) not in config.theme.dirs:
            config.theme.dirs.append(str(TEMPLATES_DIR))
        # Page bodies get their own environment, on the same search path: the index is rendered
        # before the theme's (on_env comes after every page's Markdown), and it autoescapes.
        self.env = environment(config.theme.dirs)
        # First, so the user's extra_css comes after ours and wins without !important.
        if CSS_URI not in config.extra_css:
            config.extra_css.insert(0, CSS_URI)
        if JS_URI not in map(str, config.extra_javascript):
            config.extra_javascript.append(JS_URI)
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        # A build of 10,000 runs holds ~600,000 objects, none of them garbage until it ends:
        # the cycle collector would scan them all again and again (~0.4 s a pass, ~2 s a build).
        self.collecting = gc.isenabled()
        gc.disable()
        self.drawing = _drawer()
        self.archive_error = None
        where = f"{self.cache_dir}\0{self.archive_dir}"
        self.listings = Listings(self.cache_dir / "listed", f"{self.cache.code}\0{where}")
        try:
            archived = load_archive(self.archive_dir, self.listings)
        except ArchiveError as error:
            if not self.serving:
                raise PluginError(f"bench-archive: {error}") from None
            log.info("bench-archive: %s", error)  # info: a warning would stop a strict serve
            self.archive_error, archived = error, []
        self.pages = PageCache(self.cache_dir / "pages", _fingerprint(config, files))
        self.site = site = site_pages(
            archived, self.cache, self.pages, self.listings, self.cache_dir
        )
        self.keys, self.from_cache, self.cached, self.written = {}, [], [], []
        # A page whose inputs are unchanged is published from the cache as it was written. A
        # page in the search always goes through MkDocs (the search reads it), and so does
        # every page when run pages are searched.
        reuse = not self.config.search_run_pages and self.archive_error is None
        for page in site.pages.values():
            key = page.cache_key
            if key is not None:
                self.keys[page.src_uri] = key
            cached = self.pages.get(key) if reuse and key is not None else None
            if cached is not None:
                html_path = page.src_uri.removesuffix(".md") + ".html"
                self.cached.append((cached, html_path))
                self.from_cache.append(html_path)
                continue
            files.append(
                File.generated(
                    config, page.src_uri, content="", inclusion=InclusionLevel.NOT_IN_NAV
                )
            )
        later: list[tuple[Path, Path]] = []
        for trends in site.trends:
            items = trends.files(self.cache_dir, later)
            self.cached += [(item.source, item.site_path) for item in items]
        _draw(self.drawing, later)
        # Linking ~100,000 run files is mostly the kernel's work: a thread does it on the other
        # core while MkDocs renders the pages that are not cached.
        folders = {run.folder for run in site.runs}
        self.run_pages = defaultdict(list)
        for source, site_path in self.cached:
            folder = site_path.split("/", 2)[:2]
            if len(folder) == 2 and "/".join(folder) in folders:
                self.run_pages["/".join(folder)].append((source, site_path))
        self.linking = ThreadPoolExecutor(1, thread_name_prefix="bench-publish")
        self.linked = self.linking.submit(
            publish_runs,
            site.runs,
            self.run_pages,
            config.site_dir,
            str(self.cache_dir),
            self.old_site,
        )
        for path, content in site.data_files.items():
            files.append(File.generated(config, path, content=content))
        feed = render_feed(site.entries, title=config.site_name, site_url=config.site_url or "")
        files.append(File.generated(config, FEED_PATH, content=feed))
        files.append(File.generated(config, CSS_URI, abs_src_path=str(ASSETS / "bench.css")))
        script = strip_script((ASSETS / "index.js").read_text(encoding="utf-8"))
        files.append(File.generated(config, JS_URI, content=script))
        if files.get_file_from_path(self.config.index_page) is None:
            files.append(File.generated(config, self.config.index_page, content="# Runs\n"))
        return files

    def _page(self, page: Page) -> GeneratedPage | None:
        return self.site.pages.get(page.file.src_uri) if self.site is not None else None

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
        if self.archive_error is not None:
            html = _error_box(self.archive_error) + html
        if self._page(page) is not None:
            return ""  # rendered in on_page_context, as late as can be: see there
        if self.archive_error is not None:
            return html  # the error box says what is wrong; "no runs yet" would not be true
        if page.file.src_uri == self.config.index_page and self.site is not None:
            site = self.site
            index = render_index(
                self.env,
                site.entries,
                trends={t.benchmark_id: t.page_path for t in site.trends},
                feed=FEED_PATH,
                limit=HOME_RUNS,
                pages=site.benchmark_pages,
                data=data_stems(site),
            )
            return html + '\n<div class="bench-runs">' + index + "</div>"
        return html

    # A run page is rendered just before its template and dropped once written: MkDocs renders
    # every page's Markdown before writing any, and 10,000 run pages would hold ~300 MB.
    @event_priority(100)  # before the search plugin reads the page
    def on_page_context(
        self, context: TemplateContext, /, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext | None:
        generated = self._page(page)
        if generated is not None:
            body, sections = generated.render(self.env)
            page.toc = _toc(sections)
            page.content = body
        return context

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str | None:
        generated = self._page(page)
        output = strip_indentation(output)
        if generated is not None:
            page.content = None
            # In a --dirty build the page may still be a link to a cached page: MkDocs would
            # write into that file, and so into the cache.
            with contextlib.suppress(FileNotFoundError):
                os.remove(page.file.abs_dest_path)
            key = self.keys.get(page.file.src_uri)
            if key is not None and self.archive_error is None:
                self.pages.put(key, output)
                self.written.append((self.pages.path(key), page.file.dest_uri))
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
        if template_name != "sitemap.xml" or not config.site_url or not self.from_cache:
            return output_content
        base = config.site_url.rstrip("/") + "/"
        urls = "".join(
            f"\n    <url>\n         <loc>{escape(base + path)}</loc>\n    </url>"
            for path in self.from_cache
        )
        head, end, tail = output_content.rpartition("</urlset>")
        return head + urls + "\n" + end + tail if end else output_content

    def on_build_error(self, *, error: Exception) -> None:
        if self.drawing is not None:
            self.drawing.kill()
            for pipe in (self.drawing.stdin, self.drawing.stderr):
                if pipe is not None:
                    pipe.close()
            self.drawing.wait()
            self.drawing = None
        self._collect_again()

    def _collect_again(self) -> None:
        if self.collecting:
            gc.enable()
            self.collecting = False

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """The pages published from the cache, and each run's files (record, candidates,
        charts), are put in the site here, not handed to MkDocs as files: 10,000 runs have over
        100,000 of them, and MkDocs' handling of a file costs more than linking it."""
        if not config.site_url:  # a sitemap's addresses are absolute: without one, no sitemap
            for name in ("sitemap.xml", "sitemap.xml.gz"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(os.path.join(config.site_dir, name))
        try:
            self._publish(config)
        except RefusedFile as error:
            raise PluginError(f"bench-archive: the build cache is refused: {error}") from None
        finally:
            if self.cleaning:  # `mkdocs build` ends here: its exit need not scan every object
                gc.freeze()
            self._collect_again()

    def _publish(self, config: MkDocsConfig) -> None:
        if self.drawing is not None:
            assert self.drawing.stderr is not None
            with self.drawing.stderr:
                errors = self.drawing.stderr.read()
            drawn, self.drawing = self.drawing.wait(), None
            if drawn != 0:
                raise PluginError(f"bench-archive: drawing the trend charts failed:\n{errors}")
        if self.site is None:
            return
        self.pages.save()
        publisher = Publisher(config.site_dir, str(self.cache_dir))
        # A page written this build becomes a link to its cached copy, as it will be next time:
        # so the next build finds its folder as it would make it, and moves it back whole.
        for source, site_path in self.written:
            publisher.replace(source, site_path)
        in_runs = {site_path for pairs in self.run_pages.values() for _, site_path in pairs}
        put_all(publisher, (pair for pair in self.cached if pair[1] not in in_runs))
        if self.linked is None or self.linking is None:
            return
        missing, restamped = self.linked.result()
        self.linking.shutdown()
        for run in restamped:
            self.listings.keep(run)
        for run in missing:  # a file deleted from the cache, or changed: made again
            pages = self.run_pages.get(run.folder, [])
            put_all(
                publisher, [*((f.source, f.site_path) for f in self.site.redraw(run).files), *pages]
            )
        if missing or restamped:
            self.listings.save()  # the listings made again, or with their files' new stamps
        if self.old_site is not None:  # what is left of it, deleted
            self.old_site.delete().wait()
            self.old_site = None

    def on_serve(
        self, server: LiveReloadServer, /, *, config: MkDocsConfig, builder: Any
    ) -> LiveReloadServer:
        server.watch(str(self.archive_dir))
        return server


def _drawer() -> subprocess.Popen[str]:
    """A second process that draws charts with vl-convert (`bench.site.charts.vega`),
    started before the build knows which: vl-convert starts meanwhile."""
    command = [sys.executable, "-m", "bench.site.charts.vega"]
    return subprocess.Popen(
        command, stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8"
    )


def _draw(drawer: subprocess.Popen[str], charts: list[tuple[Path, Path]]) -> None:
    """Hand the drawer these (spec, SVG) charts, and no more."""
    assert drawer.stdin is not None
    with contextlib.suppress(BrokenPipeError):
        drawer.stdin.write("".join(f"{spec}\0{svg}\0" for spec, svg in charts))
        drawer.stdin.close()


def _fingerprint(config: MkDocsConfig, files: Files) -> str:
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
    docs = [Path(f.abs_src_path) for f in files.documentation_pages() if f.abs_src_path]
    return build_fingerprint(theme_dirs=config.theme.dirs, settings=settings, docs=docs)


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
