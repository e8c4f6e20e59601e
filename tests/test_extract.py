"""Code extraction: the Python source out of a model's reply, in every form replies come in."""

from __future__ import annotations

import pytest

from bench.runner.extract import extract_code, strip_reasoning

SCRIPT = """import json
import sys


def main() -> int:
    print(json.dumps({"ok": True}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
"""


def test_a_python_block_with_prose_around_it() -> None:
    reply = f"Here is the script you asked for:\n\n```python\n{SCRIPT}```\n\nIt prints JSON."
    assert extract_code(reply) == SCRIPT


@pytest.mark.parametrize("tag", ["python", "Python", "py", "python3", "python3.11", "{.python}"])
def test_python_tags_in_their_spellings(tag: str) -> None:
    assert extract_code(f"```{tag}\n{SCRIPT}```") == SCRIPT


def test_an_untagged_block() -> None:
    assert extract_code(f"Sure.\n```\n{SCRIPT}```\n") == SCRIPT


def test_a_tilde_fence() -> None:
    assert extract_code(f"~~~python\n{SCRIPT}~~~\n") == SCRIPT


def test_the_largest_python_block_wins_over_examples_and_other_languages() -> None:
    reply = (
        "First, a helper:\n```python\nimport json\n```\n"
        f"The script:\n```python\n{SCRIPT}```\n"
        "Run it:\n```bash\npython deployment_window_analyzer.py events.json --top 3\n```\n"
        'Output:\n```json\n{"event_count": 2, "service_count": 2, "total_busy_minutes": 120.0,'
        ' "top": [' + '{"service": "db", "busy_minutes": 90.0}, ' * 20 + "]}\n```\n"
    )
    assert extract_code(reply) == SCRIPT


def test_untagged_blocks_prefer_the_one_that_parses() -> None:
    usage = "python deployment_window_analyzer.py events.json --top 3 --output report.json " * 5
    reply = f"```\n{usage}\n```\nAnd the code:\n```\n{SCRIPT}```"
    assert extract_code(reply) == SCRIPT


def test_a_longer_fence_keeps_a_fence_inside_the_code() -> None:
    script = 'DOC = """\n```python\nprint(1)\n```\n"""\nprint(DOC)\n'
    assert extract_code(f"````python\n{script}````\n") == script


def test_a_fence_indented_in_a_list_item() -> None:
    indented = "".join(f"   {line}\n" if line else "\n" for line in SCRIPT.splitlines())
    reply = f"1. Save this:\n\n   ```python\n{indented}   ```\n"
    assert extract_code(reply) == SCRIPT


def test_a_reply_cut_off_inside_its_block_keeps_what_came() -> None:
    cut = SCRIPT[: SCRIPT.index("if __name__")]
    assert extract_code(f"```python\n{cut}") == cut.rstrip() + "\n"


def test_bare_code() -> None:
    assert extract_code(SCRIPT) == SCRIPT


def test_bare_code_with_prose_before_and_after() -> None:
    reply = f"Here is a script that does it.\n\n{SCRIPT}\nLet me know if you need changes!\n"
    assert extract_code(reply) == SCRIPT


def test_reasoning_blocks_are_stripped_even_when_they_hold_code() -> None:
    reply = (
        "<think>\nThe user wants JSON. Maybe:\n```python\nimport os\n"
        + "# a much longer draft\n" * 50
        + "```\nNo, simpler.\n</think>\n\n"
        f"```python\n{SCRIPT}```"
    )
    assert extract_code(reply) == SCRIPT


def test_a_reasoning_block_cut_off_leaves_no_code() -> None:
    assert extract_code("<think>\nLet me write:\nimport json\ndef main():") == ""


def test_a_lone_closing_think_tag_drops_the_reasoning_before_it() -> None:
    reply = (
        f"the template opened the block, so only its end shows\n</think>\n```python\n{SCRIPT}```"
    )
    assert extract_code(reply) == SCRIPT
    assert strip_reasoning("a <THINK>b</THINK> c") == "a  c"


@pytest.mark.parametrize("reply", ["", "   \n", "Sure", "I cannot help with that request."])
def test_a_reply_without_code_gives_nothing(reply: str) -> None:
    assert extract_code(reply) == ""


def test_a_broken_script_comes_out_as_is_for_the_compile_gate() -> None:
    broken = "import json\n\ndef main(:\n    pass\n"
    assert extract_code(f"```python\n{broken}```") == broken
