"""Every link in the built site lands on a file of the site, and no page reaches another host."""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from mkdocs.config import load_config

from tests.support.sitebuild import SEED_RUN, build_site, make_project

pytestmark = pytest.mark.slow  # builds sites or runs servers: not in `scripts/test --fast`

# The only hosts a page may link to, each with why. Nothing is loaded from them: a reader
# who clicks leaves the site on purpose.
EXTERNAL_ALLOWED = {
    # mkdocs-material's footer credit, "Made with Material for MkDocs", on every page.
    "https://squidfunk.github.io/mkdocs-material/",
}
URL_ATTRIBUTES = {"href", "src", "poster", "data"}
SKIPPED_SCHEMES = ("data:", "mailto:", "blob:")
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)""")


@dataclass(frozen=True)
class Link:
    page: str
    tag: str
    url: str


class _PageParser(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.links: list[Link] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (tag == "a" and name == "name"):
                self.ids.add(value)
            elif name in URL_ATTRIBUTES:
                self.links.append(Link(self.page, tag, value))
            elif name == "srcset":
                for candidate in value.split(","):
                    self.links.append(Link(self.page, tag, candidate.split()[0]))


@dataclass(frozen=True)
class BuiltSite:
    root: Path
    site_url: str
    links: list[Link]
    ids: dict[str, set[str]]

    @property
    def base_path(self) -> str:
        """The path the site is published under: site_url's, or `/` when it is not set."""
        return urlsplit(self.site_url).path.rstrip("/") + "/" if self.site_url else "/"


def _read_site(root: Path, site_url: str) -> BuiltSite:
    links: list[Link] = []
    ids: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*")):
        page = path.relative_to(root).as_posix()
        if path.suffix == ".html":
            parser = _PageParser(page)
            parser.feed(path.read_text(encoding="utf-8"))
            parser.close()
            links += parser.links
            ids[page] = parser.ids
        elif path.suffix == ".xml":
            links += _xml_links(page, path)
        elif path.suffix == ".css":
            css = path.read_text(encoding="utf-8")
            links += [Link(page, "css url()", url) for url in CSS_URL.findall(css)]
    return BuiltSite(root, site_url, links, ids)


def _xml_links(page: str, path: Path) -> list[Link]:
    """Links of a feed or a sitemap: `href` attributes and sitemap `<loc>` entries."""
    links = []
    for element in ET.parse(path).getroot().iter():
        name = element.tag.rsplit("}", 1)[-1]
        if "href" in element.attrib:
            links.append(Link(page, name, element.attrib["href"]))
        if name == "loc" and element.text:
            links.append(Link(page, name, element.text.strip()))
    return links


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    project = make_project(tmp_path_factory.mktemp("links"))
    site_url = load_config(str(project / "mkdocs.yml")).site_url or ""
    return _read_site(build_site(project), site_url)


def _target(site: BuiltSite, link: Link) -> tuple[str | None, str]:
    """The site file a link lands on (None if it leaves the site) and its fragment."""
    url = link.url
    if site.site_url and url.startswith(site.site_url):
        url = site.base_path + url[len(site.site_url) :]
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None, parts.fragment
    if parts.path.startswith("/"):
        if not parts.path.startswith(site.base_path):
            return None, parts.fragment
        path = parts.path[len(site.base_path) :]
    else:
        path = posixpath.join(posixpath.dirname(link.page), parts.path) if parts.path else link.page
    path = posixpath.normpath(unquote(path))
    if path == "." or (site.root / path).is_dir():
        path = posixpath.join(path, "index.html")
    return (None if path.startswith("..") else path.removeprefix("./")), parts.fragment


def _is_external(site: BuiltSite, link: Link) -> bool:
    """A link to another host: a scheme or a host that is not the site's own site_url."""
    parts = urlsplit(link.url)
    own = bool(site.site_url) and link.url.startswith(site.site_url)
    return bool(parts.scheme or parts.netloc) and not own


def _internal(site: BuiltSite) -> list[Link]:
    return [
        link
        for link in site.links
        if not link.url.startswith(SKIPPED_SCHEMES) and not _is_external(site, link)
    ]


def test_the_walk_covers_the_seed_run(site: BuiltSite) -> None:
    """The walker sees the pages a reader would: the index, a run page and its charts."""
    assert {"index.html", "methodology.html", f"{SEED_RUN}/report.html"} <= set(site.ids)
    seed = [link.url for link in site.links if link.page == f"{SEED_RUN}/report.html"]
    assert any(url.startswith("charts/") and url.endswith(".svg") for url in seed)
    assert "../../index.html" in seed


def test_every_link_and_image_resolves_to_a_file_of_the_site(site: BuiltSite) -> None:
    broken = []
    for link in _internal(site):
        path, _ = _target(site, link)
        if path is None or not (site.root / path).is_file():
            broken.append(f"{link.page}: <{link.tag}> {link.url!r} -> {path or 'outside the site'}")
    assert broken == []


def test_every_fragment_is_an_id_on_its_page(site: BuiltSite) -> None:
    missing = []
    for link in _internal(site):
        path, fragment = _target(site, link)
        if path in site.ids and fragment and unquote(fragment) not in site.ids[path]:
            missing.append(f"{link.page}: {link.url!r} (no id {fragment!r} on {path})")
    assert missing == []


def test_no_page_links_to_another_host_but_the_allowed_ones(site: BuiltSite) -> None:
    external = {
        f"{link.page}: <{link.tag}> {link.url}"
        for link in site.links
        if not link.url.startswith(SKIPPED_SCHEMES)
        and _is_external(site, link)
        and link.url not in EXTERNAL_ALLOWED
    }
    assert sorted(external) == []


def test_links_stay_relative_so_the_site_works_under_a_project_path(site: BuiltSite) -> None:
    """GitHub Pages serves a project site under /<repository>/: a link from / would leave it.

    404.html is the exception MkDocs makes on purpose: it is served at any depth, so its
    links start from site_url's path (see test_publish for that path).
    """
    rooted = [
        f"{link.page}: {link.url}"
        for link in site.links
        if link.url.startswith("/") and not link.url.startswith("//") and link.page != "404.html"
    ]
    assert rooted == []
