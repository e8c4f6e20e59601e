"""A part of a page with an anchor: what a page's body renders and its contents list."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    """A part of a page with an anchor: one block of the body and one line of its contents.

    The template renders the page's sections in order, each from its block, and the plugin
    makes the table of contents from the same list, so the two cannot differ.
    """

    id: str
    title: str  # in the table of contents
    level: int = 2

    @property
    def block(self) -> str:
        """The template block that renders it: `bench_<id>`, dashes as underscores."""
        return "bench_" + self.id.replace("-", "_")
