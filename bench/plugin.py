"""The MkDocs plugin: wires the archive core into MkDocs events, and nothing more."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.toc import get_toc

from bench.archive import ArchiveError, load_archive
from bench.index import render_index
from bench.render import e
from bench.site import RunSite, run_site

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.livereload import LiveReloadServer
    from mkdocs.structure.pages import Page

ASSETS = Path(__file__).parent / "assets"
CSS_URI = "assets/bench/bench.css"


class ArchiveConfig(Config):
    archive_dir = c.Type(str, default="archive")
    """Folder of run records, relative to mkdocs.yml; read, never written."""
    cache_dir = c.Type(str, default=".cache/bench")
    """Rendered charts, keyed by content; relative to mkdocs.yml; safe to delete."""
    index_page = c.Type(str, default="index.md")
    """The page that lists every run; generated unless docs_dir has it, then appended to."""


class ArchivePlugin(BasePlugin[ArchiveConfig]):
    def __init__(self) -> None:
        self.runs: dict[str, RunSite] = {}

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        root = Path(config.config_file_path or ".").resolve().parent
        self.archive_dir = (root / self.config.archive_dir).resolve()
        self.cache_dir = (root / self.config.cache_dir).resolve()
        docs = Path(config.docs_dir).resolve()
        site = Path(config.site_dir).resolve()
        for name, folder in (("archive_dir", self.archive_dir), ("cache_dir", self.cache_dir)):
            if folder in (docs, site) or docs in folder.parents or site in folder.parents:
                raise PluginError(f"bench-archive: {name} must be outside docs_dir and site_dir")
        if CSS_URI not in config.extra_css:
            config.extra_css.append(CSS_URI)
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        try:
            archived = load_archive(self.archive_dir)
        except ArchiveError as error:
            raise PluginError(f"bench-archive: {error}") from None
        self.runs = {}
        for run in archived:
            site = run_site(run)
            self.runs[site.page_src] = site
            files.append(
                File.generated(
                    config, site.page_src, content="", inclusion=InclusionLevel.NOT_IN_NAV
                )
            )
            for item in site.files(self.cache_dir):
                files.append(File.generated(config, item.site_path, abs_src_path=str(item.source)))
        files.append(File.generated(config, CSS_URI, abs_src_path=str(ASSETS / "bench.css")))
        if files.get_file_from_path(self.config.index_page) is None:
            files.append(File.generated(config, self.config.index_page, content="# Runs\n"))
        return files

    def on_page_markdown(
        self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        site = self.runs.get(page.file.src_uri)
        if site is not None:
            page.meta["title"] = e(site.title)
            page.meta.setdefault("hide", ["navigation"])
        return markdown

    def on_page_content(
        self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        site = self.runs.get(page.file.src_uri)
        if site is not None:
            rendered = site.page()
            page.toc = get_toc(
                [
                    {"level": h.level, "id": h.id, "name": e(h.title), "children": []}
                    for h in rendered.headings
                ]
            )
            return rendered.html
        if page.file.src_uri == self.config.index_page:
            entries = [s.index_entry() for s in self.runs.values()]
            return html + '\n<div class="bench-runs">' + render_index(entries) + "</div>"
        return html

    def on_serve(
        self, server: LiveReloadServer, /, *, config: MkDocsConfig, builder: Any
    ) -> LiveReloadServer:
        server.watch(str(self.archive_dir))
        return server
