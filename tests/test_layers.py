"""Imports run one way: a module imports its own layer or those below, never one above.

The layers are the ones README's "How it works" states; the graph is read from
the source (every ``import`` and ``from ... import`` anywhere in a module,
function-level and ``TYPE_CHECKING`` imports included), so a lazy import does
not hide a dependency.

Some packages of the same or neighbouring layers must not import each other at all
(``APART``): ingest and the summariser read text with the neutral ``briefing.layout``
and ``briefing.sentences`` (foundation), and the summariser splits an article's
sections itself, so ingest importing the summariser (as it once did to split sections
at ingest) fails here, and so would the summariser importing ingest (it stays pure:
articles in, stories out).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "briefing"

# Bottom first. An entry names a module or a package (and everything inside it).
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("foundation", ("briefing", "briefing.models", "briefing.errors", "briefing.settings", "briefing.resources",
                    "briefing.addresses", "briefing.phrases", "briefing.gazetteer", "briefing.opml",
                    "briefing.safety", "briefing.clock", "briefing.serialise", "briefing.sentences",
                    "briefing.layout")),
    ("store", ("briefing.db", "briefing.store", "briefing.tokens", "briefing.subscribers")),
    ("text analysis", ("briefing.summarise", "briefing.feedfilter")),
    ("ingest", ("briefing.ingest",)),
    ("topic and model", ("briefing.topic", "briefing.llm")),
    ("render", ("briefing.render",)),
    ("deliver", ("briefing.deliver",)),
    ("pipeline", ("briefing.pipeline",)),
    ("services", ("briefing.schedule", "briefing.web")),
    ("command line", ("briefing.cli", "briefing.__main__")),
)

# Pairs of packages neither of which may import the other, whatever their layers.
APART: tuple[tuple[str, str], ...] = (("briefing.ingest", "briefing.summarise"),)


def layer_of(module: str) -> int:
    """The index in ``LAYERS`` of the most specific entry naming ``module``."""
    best, best_length = -1, -1
    for index, (_, entries) in enumerate(LAYERS):
        for entry in entries:
            inside = module == entry or (entry != "briefing" and module.startswith(entry + "."))
            if inside and len(entry) > best_length:
                best, best_length = index, len(entry)
    return best


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """The ``briefing`` modules ``path`` imports, relative imports resolved."""
    return imports_in(path.read_text(encoding="utf-8"), module_name(path), is_package=path.name == "__init__.py")


def imports_in(source: str, module: str, *, is_package: bool = False) -> set[str]:
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                origin = ".".join([*base, node.module] if node.module else base)
            else:
                origin = node.module or ""
            found.add(origin)
            # ``from briefing.deliver import ledger`` imports the module briefing.deliver.ledger.
            found.update(f"{origin}.{alias.name}" for alias in node.names if _is_module(f"{origin}.{alias.name}"))
    return {name for name in found if name == "briefing" or name.startswith("briefing.")}


def upward(module: str, names: set[str]) -> list[str]:
    here = layer_of(module)
    return sorted(f"{name} ({LAYERS[layer_of(name)][0]})" for name in names if layer_of(name) > here)


def _inside(module: str, entry: str) -> bool:
    return module == entry or module.startswith(entry + ".")


def crossing(module: str, names: set[str]) -> list[str]:
    """The imports of ``module`` into a package ``APART`` from its own."""
    found: set[str] = set()
    for first, second in APART:
        for mine, theirs in ((first, second), (second, first)):
            if _inside(module, mine):
                found.update(name for name in names if _inside(name, theirs))
    return sorted(found)


def _is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_module_has_a_layer() -> None:
    assert modules(), f"no modules found under {PACKAGE}"
    unplaced = [module_name(path) for path in modules() if layer_of(module_name(path)) < 0]
    assert not unplaced, f"add these modules to a layer in tests/test_layers.py and README: {unplaced}"


@pytest.mark.parametrize("path", modules(), ids=lambda path: module_name(path))
def test_imports_point_down(path: Path) -> None:
    module = module_name(path)
    found = upward(module, imported(path))
    assert not found, f"{module} ({LAYERS[layer_of(module)][0]}) imports from a higher layer: {found}"


@pytest.mark.parametrize("path", modules(), ids=lambda path: module_name(path))
def test_packages_kept_apart_do_not_import_each_other(path: Path) -> None:
    module = module_name(path)
    found = crossing(module, imported(path))
    assert not found, f"{module} imports {found}: {APART} must not import each other (share code through a lower layer)"


def test_the_apart_check_sees_ingest_importing_the_summariser() -> None:
    """The imports ``briefing/ingest/articles.py`` had when ingest split sections fail the check."""
    old = ("from briefing.models import Article, Document, Sections\n"
           "from briefing.summarise.sections import split_sections\n"
           "from briefing.summarise.sentences import shorten, split_sentences\n")
    names = imports_in(old, "briefing.ingest.articles")
    assert upward("briefing.ingest.articles", names) == []  # the layers alone allowed it
    assert crossing("briefing.ingest.articles", names) == ["briefing.summarise.sections", "briefing.summarise.sentences"]
    assert crossing("briefing.summarise.story", imports_in("import briefing.ingest.fetch\n", "briefing.summarise.story")) == [
        "briefing.ingest.fetch"]
    assert crossing("briefing.ingest.articles", imports_in("from briefing import layout\n", "briefing.ingest.articles")) == []


def test_the_check_sees_upward_imports_wherever_they_are() -> None:
    """Function-level, relative and ``from package import module`` imports all count."""
    source = ("from briefing.errors import StoreError\n"
              "def f():\n    from briefing.cli import cli\n    from ..render import site\n"
              "    from briefing.deliver import ledger\n")
    assert upward("briefing.db.probe", imports_in(source, "briefing.db.probe")) == [
        "briefing.cli (command line)", "briefing.deliver (deliver)", "briefing.deliver.ledger (deliver)",
        "briefing.render (render)", "briefing.render.site (render)"]
    assert upward("briefing.cli", imports_in(source, "briefing.cli")) == []
