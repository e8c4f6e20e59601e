"""One build of the site, from the archive to the files of `site_dir`, knowing nothing of MkDocs.

A `SiteBuild` owns what a build keeps and starts: the build cache (its layout and formats are
named in `bench.site.cache`), the listings and the page cache in it, the process that draws the
trend charts, the thread that links run files into the site, and the last build's site, moved
aside. The MkDocs plugin makes one per build and calls it from each hook:

    build = SiteBuild(archive_dir, cache_dir, template_dirs)
    build.begin(site_dir, cleaning=True)      # the old site moved aside
    plan = build.plan(fingerprint)           # pages to render; the rest linked meanwhile
    build.written(src_uri, dest_uri, html)   # for each page rendered: kept in the cache
    build.finish()                           # cached pages and run files put in the site

A failed build calls `abort()`: the drawing process is ended, the cycle collector turned on.
"""

from __future__ import annotations

import contextlib
import gc
import os
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment

from bench.record.scan import ArchiveError, ArchiveScan, scan_archive
from bench.site import lastbuild
from bench.site.cache import BuildCache, CacheLayout, cache_stamp
from bench.site.codekey import PACKAGE, CodeKeys
from bench.site.feed import FEED_PATH, render_feed
from bench.site.kinds import GeneratedPage, PageKind, Rendered
from bench.site.pagecache import PageCache, build_fingerprint, tree_digest
from bench.site.publish import (
    OldSite,
    Pair,
    Published,
    Publisher,
    files_below,
    publish_runs,
    put_all,
)
from bench.site.render import environment
from bench.site.sections import Section

if TYPE_CHECKING:
    from bench.site.listed import ListedRun, Listings
    from bench.site.sitepages import SitePages

# The code every page passes through besides its kind's: a change renders every page again.
# Their own bytes: what they import (every kind, through the site's data) is not all pages'.
BUILD_CODE = ("bench.site.build", "bench.site.mkdocs_plugin", "bench.site.minify")
RENDER_CODE = ("bench.site.render",)  # every body's environment, with all it imports


def build_code(codes: CodeKeys) -> str:
    """The digest of the code every page passes through besides its kind's."""
    return codes.digest(BUILD_CODE, imports=False) + codes.digest(RENDER_CODE)


COLLECT_FIRST_PAGES = 1000  # pages to render past which planning's garbage is collected first


class BuildError(Exception):
    """A build that cannot go on; the message says what is wrong and where."""


@dataclass(frozen=True)
class Fingerprint:
    """What every cached page shares besides its inputs and code, as the site generator
    knows it: its theme's search path, the site's settings, the hand-written pages."""

    theme_dirs: Sequence[str]
    settings: Mapping[str, object]
    docs: Sequence[Path]


@dataclass(frozen=True)
class Plan:
    """What the site generator renders this build; the build publishes everything else."""

    to_render: list[GeneratedPage]  # pages not published from the cache
    data_files: dict[str, str]  # site path -> content


class SiteBuild:
    """One build: see the module's docstring."""

    def __init__(
        self,
        archive_dir: Path,
        cache_dir: Path,
        template_dirs: Iterable[str | Path],
        *,
        serving: bool = False,
        search_all: bool = False,
        after: SiteBuild | None = None,
    ) -> None:
        """`serving`: a bad record is shown on every page (`archive_error`), not raised;
        `search_all`: every page goes through the site generator (its search reads it);
        `after`: the build before this one in the same process (`mkdocs serve`), whose
        listings this one takes rather than read them again."""
        self.archive_dir = archive_dir
        self.layout = CacheLayout(cache_dir)
        self.serving = serving
        self.search_all = search_all
        self.cache = BuildCache(self.layout.templates)
        self.env: Environment = environment(template_dirs)
        self.codes = CodeKeys()
        self._kind_codes: dict[str, str] = {}  # kind name -> the digest of its code
        self.archive_error: ArchiveError | None = None
        self.site: SitePages | None = None
        self.from_cache: list[str] = []  # site paths of the pages published from the cache
        self.site_dir = ""
        self.cleaning = False  # site_dir is emptied for this build (`mkdocs build`)
        self._old_site: OldSite | None = None
        self._collecting = False  # the cycle collector was on when the build began
        self._drawing: subprocess.Popen[str] | None = None
        self._linking: ThreadPoolExecutor | None = None
        self._linked: Future[Published] | None = None
        self._keys: dict[str, str] = {}  # page source -> its cache key
        self._cached: list[Pair] = []  # (file of the cache, its site path), not a run's
        self._run_pages: dict[str, list[Pair]] = {}  # the cached pages of each run folder
        self._written: list[Pair] = []  # pages rendered this build, and their cached copies
        self._scanning: Future[None] | None = None  # the old site's scan
        self._walking: Future[ArchiveScan] | None = None  # the archive's walk
        self._inputs: str | None = None  # `lastbuild.inputs_key` of this build
        self._last: lastbuild.LastBuild | None = None  # nothing changed: its site again
        self._left: lastbuild.LastBuild | None = None  # the last build's record, if sound
        self._remade: dict[str, ListedRun] = {}  # run folder -> its listing made again
        self._kept_pages: dict[str, GeneratedPage] = {}  # the last build's, when so
        self._bodies: list[lastbuild.KeptPage] = []  # pages rendered every build, this one's
        self._feed: str | None = None
        self._index_html: str | None = None
        self._specs: str | None = None
        self.listings: Listings | None = None  # read by `plan` when it reads the archive
        self._kept_listings = after.listings if after is not None else None

    def check_places(self, docs_dir: Path, site_dir: Path) -> None:
        """BuildError if the archive or the cache is inside the docs or the site, or the cache
        inside the archive: a build would read what it writes."""
        cache_dir = self.layout.root
        for name, folder in (("archive_dir", self.archive_dir), ("cache_dir", cache_dir)):
            if (
                folder in (docs_dir, site_dir)
                or docs_dir in folder.parents
                or site_dir in folder.parents
            ):
                raise BuildError(f"{name} must be outside docs_dir and site_dir")
        if cache_dir == self.archive_dir or self.archive_dir in cache_dir.parents:
            raise BuildError(
                f"cache_dir must be outside archive_dir ({self.archive_dir}), found {cache_dir}"
            )

    def begin(self, site_dir: str, *, cleaning: bool) -> None:
        """Before the site generator touches `site_dir`. `cleaning`: it empties the folder
        next (`mkdocs build`, not --dirty), ~3 s for the 130,000 files of 10,000 runs which
        the build would link again: moved aside instead, the old site gives back each run
        folder that holds what this build puts there (`bench.site.publish`)."""
        self.site_dir = site_dir
        self.cleaning = cleaning
        self._linking = ThreadPoolExecutor(1, thread_name_prefix="bench-publish")
        # The archive is walked on a thread of its own meanwhile too (its calls are the
        # kernel's), while MkDocs lists the theme's and the docs' files on this one.
        walker = ThreadPoolExecutor(1, thread_name_prefix="bench-archive")
        self._walking = walker.submit(scan_archive, self.archive_dir)
        walker.shutdown(wait=False)  # its thread ends with the walk
        if cleaning and os.path.isdir(site_dir):
            self._old_site = OldSite(site_dir, str(self.layout.old_sites))
            # What it holds is read on the other core while this one reads the archive.
            self._scanning = self._linking.submit(self._old_site.scan)

    def plan(self, fingerprint: Fingerprint) -> Plan:
        """Read the archive, make every page's model, and start publishing what needs no
        rendering: the pages whose inputs are unchanged (from the cache) and the run files."""
        # A build of 10,000 runs holds ~600,000 objects, none of them garbage until it ends:
        # the cycle collector would scan them all again and again (~0.4 s a pass, ~2 s a build)
        # while they are made; once made, they are frozen out of its scans (the end of `plan`).
        self._collecting = gc.isenabled()
        gc.disable()
        code = build_code(self.codes)
        settings = build_fingerprint(
            code=code,
            theme_dirs=fingerprint.theme_dirs,
            settings=fingerprint.settings,
            docs=fingerprint.docs,
        )
        self.pages = PageCache(self.layout.pages, settings)
        # Walked once: for the key and for the archive's load (begun by `begin`, if called).
        walking, self._walking = self._walking, None
        scan = walking.result() if walking is not None else scan_archive(self.archive_dir)
        if not self.search_all:
            self._inputs = lastbuild.inputs_key(tree_digest([PACKAGE]), settings, scan.files)
            last = self._same_as_last()
            if last is not None:
                return self._again(last)
        # Imported here: a build with nothing changed reads no record, and these modules import
        # every page's code, the record's schema and statistics (~0.4 s of such a build).
        from bench.record.archive import load_archive
        from bench.site.listed import Listings
        from bench.site.sitepages import site_pages

        root = self.layout.root
        listings = Listings(self.layout.listed, f"{self.cache.code}\0{root}\0{self.archive_dir}")
        kept, self._kept_listings = self._kept_listings, None
        if kept is not None and (kept.folder, kept.code) == (listings.folder, listings.code):
            listings = kept.again()
        self.listings = listings
        try:
            archived = load_archive(self.archive_dir, listings, scan)
        except ArchiveError as error:
            if not self.serving:
                raise
            self.archive_error, archived = error, []
        self.site = site = site_pages(archived, self.cache, self._page_key, listings, root)
        reuse = not self.search_all and self.archive_error is None
        to_render = []
        for page in site.pages.values():
            key = page.cache_key
            if key is not None:
                self._keys[page.src_uri] = key
            cached = self.pages.get(key) if reuse and key is not None else None
            if cached is None:
                to_render.append(page)
                continue
            html_path = page.src_uri.removesuffix(".md") + ".html"
            self._cached.append((cached, html_path))
            self.from_cache.append(html_path)
        to_draw: list[tuple[Path, Path]] = []
        for trends in site.trends:
            items = trends.files(root, to_draw)
            self._cached += [(item.source, item.site_path) for item in items]
        if to_draw:
            self._drawing = _draw(to_draw)
        self._link_runs()
        # What the pages are made from lives until the build ends: frozen out of the collector's
        # scans, which run again for the pages' own garbage. Rendering a page leaves cycles
        # (Jinja's contexts, Markdown's registries, the page's model): ~100 kB a run page, over
        # 1 GB at 10,000 runs, were the collector off until the end. Planning's own garbage is
        # collected first when there are many pages to render (a cold build); for a few, that
        # pass over every object (~1 s at 10,000 runs) costs more than the garbage it frees.
        if len(to_render) > COLLECT_FIRST_PAGES:
            gc.collect()
        gc.freeze()
        if self._collecting:
            gc.enable()
        return Plan(to_render, site.data_files)

    def _same_as_last(self) -> lastbuild.LastBuild | None:
        """The last build's record when this build's inputs are its inputs and the old site,
        moved aside, holds what it left (each run folder, read by the publishing thread) and
        the cache each page and chart it linked: this build would make the same site."""
        old = self._old_site
        if old is None or self._scanning is None:
            return None
        self._left = last = lastbuild.read(self.layout.last_build)
        if last is None or last.key != self._inputs:
            return None
        self._scanning.result()
        digests = old.digests
        if any(digests.get(folder) != digest for folder, digest in last.folders.items()):
            return None
        return last if lastbuild.stamps_unchanged(last.linked) else None

    def _again(self, last: lastbuild.LastBuild) -> Plan:
        """This build publishes what the last one did: see `bench.site.lastbuild`."""
        self._last = last
        self.from_cache = list(last.from_cache)
        self._feed, self._index_html, self._specs = last.feed, last.index_html, last.specs
        self._kept_pages = {
            page.src_uri: GeneratedPage(
                page.src_uri, page.title, _as_rendered(page), searched=page.searched
            )
            for page in last.pages
        }
        return Plan(list(self._kept_pages.values()), dict(last.data_files))

    def _page_key(self, kind: PageKind, inputs: Sequence[str]) -> str:
        code = self._kind_codes.get(kind.name)
        if code is None:
            code = self._kind_codes[kind.name] = self.codes.digest([kind.module], kind.templates)
        return self.pages.key(f"{kind.name}\0{code}", *inputs)

    def _link_runs(self) -> None:
        """Linking ~100,000 run files is mostly the kernel's work: a thread does it on the
        other core while the site generator renders the pages that are not cached."""
        assert self.site is not None
        folders = {run.folder for run in self.site.runs}
        self._run_pages = defaultdict(list)
        rest = []
        for source, site_path in self._cached:
            folder = "/".join(site_path.split("/", 2)[:2])
            if folder in folders and folder != site_path:
                self._run_pages[folder].append((source, site_path))
            else:
                rest.append((source, site_path))
        self._cached = rest
        # A first build: MkDocs makes site_dir only when it writes a page, after this starts;
        # without it every run would be missing, and made and linked again in `finish`.
        os.makedirs(self.site_dir, exist_ok=True)
        if self._linking is None:  # begun without `begin` (a test's build)
            self._linking = ThreadPoolExecutor(1, thread_name_prefix="bench-publish")
        self._linked = self._linking.submit(
            publish_runs,
            self.site.runs,
            self._run_pages,
            self.site_dir,
            str(self.layout.root),
            self._old_site,
            self._left,
        )

    def page(self, src_uri: str) -> GeneratedPage | None:
        if self.site is None:
            return self._kept_pages.get(src_uri)
        return self.site.pages.get(src_uri)

    def feed(self, title: str, site_url: str) -> str:
        """The feed of the newest runs."""
        if self._feed is None:
            assert self.site is not None
            self._feed = render_feed(self.site.entries, title=title, site_url=site_url)
        return self._feed

    def specs_script(self) -> str:
        """The run charts' spec templates, as `bench.site.charts.specs` publishes them."""
        if self._specs is None:
            from bench.site.charts.specs import specs_script  # see `plan`

            self._specs = specs_script(self.cache)
        return self._specs

    def index_html(self) -> str | None:
        """The home page's list of runs (None: the archive is in error)."""
        if self._index_html is None and self.site is not None and self.archive_error is None:
            from bench.site.index import render_index  # see `plan`
            from bench.site.sitepages import HOME_RUNS, data_stems

            site = self.site
            self._index_html = render_index(
                self.env,
                site.entries,
                trends={t.benchmark_id: t.page_path for t in site.trends},
                feed=FEED_PATH,
                limit=HOME_RUNS,
                pages=site.benchmark_pages,
                data=data_stems(site),
            )
        return self._index_html

    def written(self, src_uri: str, dest_uri: str, html: str) -> None:
        """A page the site generator rendered, before it writes it at `dest_uri`: kept in the
        cache (unless the archive is in error)."""
        # In a --dirty build the page may still be a link to a cached page: writing into that
        # file would write into the cache.
        with contextlib.suppress(FileNotFoundError):
            os.remove(os.path.join(self.site_dir, dest_uri))
        key = self._keys.get(src_uri)
        if key is not None and self.archive_error is None:
            self.pages.put(key, html)
            self._written.append((self.pages.path(key), dest_uri))

    def rendered(self, page: GeneratedPage, body: str, sections: Sequence[Section]) -> None:
        """A page's body as the site generator got it: one rendered every build is kept for
        a build with nothing changed (`bench.site.lastbuild`)."""
        if page.cache_key is None and self.site is not None:
            self._bodies.append(
                lastbuild.KeptPage(page.src_uri, page.title, body, tuple(sections), page.searched)
            )

    def finish(self) -> None:
        """The pages published from the cache, and each run's files (record, candidates,
        charts), put in the site: 10,000 runs have over 100,000 of them, and a site
        generator's handling of a file costs more than linking it. RefusedFile if the cache
        names a file out of its folder or the site; BuildError if the charts cannot be drawn."""
        try:
            self._finish()
        finally:
            self._end()

    def _finish(self) -> None:
        if self._drawing is not None:
            drawing, self._drawing = self._drawing, None
            assert drawing.stderr is not None
            with drawing.stderr:
                errors = drawing.stderr.read()
            if drawing.wait() != 0:
                raise BuildError(f"drawing the trend charts failed:\n{errors}")
        if self._last is not None:
            self._publish_again(self._last)
            return
        if self.site is None:
            return
        listings = self.listings
        assert listings is not None  # made with the site
        if self.archive_error is None:  # a build that lists no run keeps the cache's index
            self.pages.save()
        publisher = Publisher(self.site_dir, str(self.layout.root))
        # A page written this build becomes a link to its cached copy, as it will be next time:
        # so the next build finds its folder as it would make it, and moves it back whole.
        for source, site_path in self._written:
            publisher.replace(source, site_path)
        put_all(publisher, self._cached)
        taken: set[str] = set()
        if self._linked is not None:
            done = self._linked.result()
            for run in done.restamped:
                listings.keep(run)
            for run in done.missing:  # a file deleted from the cache, or changed: made again
                remade = self._remade[run.folder] = self.site.redraw(run)
                pages = self._run_pages.get(run.folder, [])
                put_all(publisher, [*((f.source, f.site_path) for f in remade.files), *pages])
            taken = done.taken
        if self.archive_error is None:  # see `pages.save` above
            listings.save()
        self._keep(taken)
        if self._old_site is not None:  # what is left of it, deleted: nothing links it
            self._old_site.delete()
            self._old_site = None

    def _keep(self, taken: set[str]) -> None:
        """What this build published, for the next one (`bench.site.lastbuild`): each run
        folder as the old site's scan found it when moved back whole, else read again."""
        site = self.site
        if site is None or self._inputs is None or self.archive_error is not None:
            return
        try:
            self._write_last(site, taken)
        except OSError:  # a file gone meanwhile: the next build is a full one
            self.layout.last_build.unlink(missing_ok=True)

    def _write_last(self, site: SitePages, taken: set[str]) -> None:
        assert self._inputs is not None
        old = self._old_site
        folders, sources = {}, {}
        written: dict[str, list[Pair]] = defaultdict(list)
        for source, site_path in self._written:
            written["/".join(site_path.split("/", 2)[:2])].append((source, site_path))
        for run in site.runs:
            folder = run.folder
            if old is not None and folder in taken:
                folders[folder] = old.digests[folder]
            else:
                where = os.path.join(self.site_dir, folder)
                folders[folder] = lastbuild.folder_digest(files_below(where, f"{folder}/"))
            pages = [*self._run_pages.get(folder, ()), *written.get(folder, ())]
            sources[folder] = lastbuild.folder_source(self._remade.get(folder, run).lines, pages)
        linked = []
        for source, site_path in [*self._cached, *self._written]:
            if "/".join(site_path.split("/", 2)[:2]) not in folders:
                linked.append((source, site_path, cache_stamp(os.lstat(source))))
        lastbuild.write(
            self.layout.last_build,
            lastbuild.LastBuild(
                key=self._inputs,
                folders=folders,
                sources=sources,
                linked=tuple(sorted(linked, key=lambda item: item[1])),
                pages=tuple(self._bodies),
                data_files=dict(site.data_files),
                feed=self._feed or "",
                index_html=self._index_html or "",
                specs=self.specs_script(),
                from_cache=tuple(
                    p.src_uri.removesuffix(".md") + ".html"
                    for p in site.pages.values()
                    if p.cache_key is not None
                ),
            ),
        )

    def _publish_again(self, last: lastbuild.LastBuild) -> None:
        """The last build's site again: its run folders moved back, its pages linked."""
        old = self._old_site
        assert old is not None
        publisher = Publisher(self.site_dir, str(self.layout.root))
        for folder, digest in last.folders.items():
            if not old.take_same(folder, digest, publisher):
                raise BuildError(f"{folder}: the last build's run folder changed during this one")
        put_all(publisher, [(source, site_path) for source, site_path, _ in last.linked])
        old.delete()
        self._old_site = None

    def abort(self) -> None:
        """After a failed build: the drawing process ended, the publishing thread joined."""
        if self._drawing is not None:
            self._drawing.kill()
            for pipe in (self._drawing.stdin, self._drawing.stderr):
                if pipe is not None:
                    pipe.close()
            self._drawing.wait()
            self._drawing = None
        self._end()

    def _end(self) -> None:
        if self._linking is not None:
            self._linking.shutdown()
            self._linking = None
        if self.cleaning and not self.serving:  # `mkdocs build` ends here: its exit need
            gc.freeze()  # not scan every object
        else:  # `mkdocs serve` builds again: this build's objects are garbage then
            gc.unfreeze()
        if self._collecting:
            gc.enable()
            self._collecting = False


def _as_rendered(page: lastbuild.KeptPage) -> Callable[[Environment], Rendered]:
    """A kept page's body and contents, as its kind's render gave them."""

    def render(env: Environment) -> Rendered:
        return page.body, page.sections

    return render


def _draw(charts: list[tuple[Path, Path]]) -> subprocess.Popen[str]:
    """A second process that draws these (spec, SVG) charts with vl-convert
    (`bench.site.charts.vega`) while the build goes on; started only when there is one."""
    command = [sys.executable, "-m", "bench.site.charts.vega"]
    drawer = subprocess.Popen(
        command, stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8"
    )
    assert drawer.stdin is not None
    with contextlib.suppress(BrokenPipeError):
        drawer.stdin.write("".join(f"{spec}\0{svg}\0" for spec, svg in charts))
        drawer.stdin.close()
    return drawer
