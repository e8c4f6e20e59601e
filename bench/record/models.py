"""A model's identity and its one display name.

A model is its tag and quantization, and its content digest where the record holds one: two
runs asked the same model when these match. A run without a digest for a tag and quantization
that other runs recorded with exactly one digest asked that model too (`unified`).

Its name is made here and nowhere else: a run names a model by its label (the config's, or
the tag where the config gave none), except a run re-hosted from an old page, which keeps
that page's words (it named direct models by tag). Across a site a model has one name, the
one its newest run gives it; the names older runs gave are its aliases (`model_names`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from bench.record.schema import ModelInfo


@dataclass(frozen=True)
class ModelIdentity:
    tag: str
    quantization: str | None = None
    digest: str | None = None  # the model's content digest, where the record holds one

    @classmethod
    def of(cls, model: ModelInfo) -> ModelIdentity:
        return cls(model.tag, model.quantization, model.digest)

    def __hash__(self) -> int:
        """The fields' hash, as the dataclass's own, made once: a site build hashes each
        identity many times (~250,000 lookups for 10,000 runs). Kept beside the fields, so
        never compared, printed or serialized."""
        found: int | None = self.__dict__.get("_hash")
        if found is None:
            found = hash((self.tag, self.quantization, self.digest))
            object.__setattr__(self, "_hash", found)
        return found

    @property
    def sort_key(self) -> tuple[str, str, str]:
        return (self.tag, self.quantization or "", self.digest or "")

    @property
    def spec(self) -> str:
        """`qwen2.5-coder:1.5b · Q4_K_M`: what the server was asked for, as the pages print it
        next to a name (never a name itself)."""
        return self.tag if self.quantization is None else f"{self.tag} · {self.quantization}"


def run_name(model: ModelInfo, legacy: bool = False) -> str:
    """The name one run gives a model: its label; a re-hosted run's old page used the tag."""
    return model.tag if legacy else model.label


@dataclass(frozen=True)
class ModelName:
    """A model's one name across a site, and the other names runs gave it, oldest first."""

    name: str
    aliases: tuple[str, ...] = ()


def unified(identities: Iterable[ModelIdentity]) -> dict[ModelIdentity, ModelIdentity]:
    """Each identity -> the one it stands for: itself, or, for one without a digest, the one
    identity of its tag and quantization that has a digest, when there is exactly one."""
    given = set(identities)
    digests: dict[tuple[str, str | None], set[ModelIdentity]] = defaultdict(set)
    for i in given:
        if i.digest is not None:
            digests[(i.tag, i.quantization)].add(i)
    found = {}
    for i in given:
        known = digests.get((i.tag, i.quantization), set())
        found[i] = next(iter(known)) if i.digest is None and len(known) == 1 else i
    return found


def model_names(
    sightings: Iterable[tuple[ModelIdentity, str, str]],
) -> dict[ModelIdentity, ModelName]:
    """identity -> its name, from each (identity, run start as ISO 8601, the run's name for
    it): the newest run's name, the others as aliases in the order they were first used."""
    seen: dict[ModelIdentity, list[tuple[str, str]]] = defaultdict(list)
    for identity, started_at, name in sightings:
        seen[identity].append((started_at, name))
    found = {}
    for identity, names in seen.items():
        ordered = sorted(names)
        newest = ordered[-1][1]
        aliases = tuple(dict.fromkeys(n for _, n in ordered if n != newest))
        found[identity] = ModelName(newest, aliases)
    return _distinct(found)


def _distinct(names: dict[ModelIdentity, ModelName]) -> dict[ModelIdentity, ModelName]:
    """Two models never share a name: where they would, each adds its quantization, then the
    start of its digest (`Qwen3 0.6b · Q8_0`, `Qwen3 0.6b · Q8_0 · sha256:1f2e3d4c`)."""
    parts: tuple[Callable[[ModelIdentity], str | None], ...] = (
        lambda i: i.quantization,
        lambda i: i.digest[:15] if i.digest else None,
    )
    for part in parts:
        by_name: dict[str, list[ModelIdentity]] = defaultdict(list)
        for identity, n in names.items():
            by_name[n.name].append(identity)
        for name, same in by_name.items():
            if len(same) > 1:
                for identity in same:
                    extra = part(identity)
                    if extra:
                        names[identity] = ModelName(f"{name} · {extra}", names[identity].aliases)
    return names


def names_by_tag(
    models: Iterable[ModelInfo], names: Mapping[ModelIdentity, ModelName]
) -> dict[str, str]:
    """A run's tag -> the site's name for that model, for the models `names` knows."""
    return {m.tag: names[ModelIdentity.of(m)].name for m in models if ModelIdentity.of(m) in names}
