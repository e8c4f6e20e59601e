"""A page's code key finds every template a template extends, includes or imports, as Jinja
itself reads them."""

from __future__ import annotations

from jinja2 import Environment, meta

from bench.site.codekey import TEMPLATES, referenced


def test_every_template_reference_is_found_as_jinja_finds_it() -> None:
    env = Environment()
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert templates
    for path in templates:
        source = path.read_text("utf-8")
        by_jinja = [n for n in meta.find_referenced_templates(env.parse(source)) if n]
        assert sorted(referenced(source)) == sorted(by_jinja), path


def test_references_of_every_form_are_found() -> None:
    source = """{% extends "a.html" %}{%- include 'b.html' -%}{% from "c.html" import x %}
    {% import 'd.html' as d %}{% include ["e.html", 'f.html'] ignore missing %}
    {% include name %}{{ "g.html" }}"""
    by_jinja = [n for n in meta.find_referenced_templates(Environment().parse(source)) if n]
    assert sorted(referenced(source)) == sorted(by_jinja) == [f"{c}.html" for c in "abcdef"]
