"""The documentation stays true to the code: references cover every option and field, examples run as written."""

from __future__ import annotations

import dataclasses
import html
import importlib.util
import inspect
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import click
import pytest

from scimcore.cli import main
from scimcore.dispatch import DispatchConfig
from scimcore.events import EVENT_TYPES
from scimcore.filter.parser import FilterLimits
from scimcore.service import ServiceConfig
from scimcore.store.ports import Page, Query, Store
from scimcore.testing import StoreContract

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
LINE_LENGTH = 80  # mkdocs.yml's line_length for API signatures


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The documentation site, built once with ``mkdocs build --strict`` as CI builds it (needs the docs extra)."""
    if importlib.util.find_spec("mkdocs") is None:
        pytest.skip("the docs extra is not installed: pip install -e '.[docs]'")
    out = tmp_path_factory.mktemp("site")
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, timeout=600,
    )
    assert built.returncode == 0, built.stderr[-4000:]
    return out


def _signatures(page: Path) -> list[str]:
    """The API signatures of a built reference page, as text."""
    blocks = re.findall(r'<div class="doc-signature[^"]*"[^>]*>(.*?)</div>', page.read_text(encoding="utf-8"), re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", block)).strip() for block in blocks]


def _commands(group: click.Group, prefix: str) -> list[tuple[str, click.Command]]:
    """Every command under ``group`` with its full name (``scimcore directories create``)."""
    found: list[tuple[str, click.Command]] = []
    for name, command in sorted(group.commands.items()):
        full = f"{prefix} {name}"
        if isinstance(command, click.Group):
            found += _commands(command, full)
        else:
            found.append((full, command))
    return found


def _sections(markdown: str) -> dict[str, str]:
    """The text under each heading, keyed by the heading without backticks."""
    parts = re.split(r"^#{2,3} (.+)$", markdown, flags=re.MULTILINE)
    return {parts[i].replace("`", "").strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


CLI_COMMANDS = _commands(main, "scimcore")


@pytest.mark.parametrize(("name", "command"), CLI_COMMANDS, ids=[name for name, _ in CLI_COMMANDS])
def test_cli_reference_documents_every_option(name: str, command: click.Command) -> None:
    """docs/reference/cli.md has a section per command naming each of its options and arguments."""
    sections = _sections((DOCS / "reference" / "cli.md").read_text(encoding="utf-8"))
    assert name in sections, f"docs/reference/cli.md has no section '{name}'"
    text = sections[name]
    for param in command.params:
        if isinstance(param, click.Option):
            flag = max(param.opts, key=len)
            assert f"`{flag}" in text, f"{name}: option {flag} is not documented in docs/reference/cli.md"
        elif isinstance(param, click.Argument):
            assert (param.name or "").upper() in text, f"{name}: argument {param.name} is not documented"


def test_configuration_reference_lists_every_field() -> None:
    """docs/reference/configuration.md lists every ServiceConfig, FilterLimits and DispatchConfig field."""
    text = (DOCS / "reference" / "configuration.md").read_text(encoding="utf-8")
    for config in (ServiceConfig, FilterLimits, DispatchConfig):
        for item in dataclasses.fields(config):
            assert f"`{item.name}" in text, f"{config.__name__}.{item.name} is not in docs/reference/configuration.md"


def test_configuration_reference_lists_every_adapter_option() -> None:
    """Every keyword option of ScimASGI and ScimWSGI appears in the configuration reference."""
    from scimcore.asgi import ScimASGI
    from scimcore.wsgi import ScimWSGI

    text = (DOCS / "reference" / "configuration.md").read_text(encoding="utf-8")
    for adapter in (ScimASGI, ScimWSGI):
        for name, param in inspect.signature(adapter).parameters.items():
            if param.kind is inspect.Parameter.KEYWORD_ONLY:
                assert f"`{name}`" in text, f"{adapter.__name__}({name}=...) is not in the configuration reference"


def test_events_reference_lists_every_event_type() -> None:
    """docs/reference/events.md describes every event type scimcore emits."""
    text = (DOCS / "reference" / "events.md").read_text(encoding="utf-8")
    assert all(f"`{event_type}`" in text for event_type in EVENT_TYPES)


def test_custom_store_guide_names_every_method_of_the_port() -> None:
    """docs/how-to/custom-store.md names each method and attribute of the resources port (Store)."""
    text = (DOCS / "how-to" / "custom-store.md").read_text(encoding="utf-8")
    methods = [name for name, value in vars(Store).items() if callable(value) and not name.startswith("_")]
    attributes = list(Store.__annotations__)
    assert "groups_of_many" in methods and "blocking" in attributes
    missing = [name for name in methods if f"`{name}(" not in text] + [a for a in attributes if f"`{a}`" not in text]
    assert missing == [], f"docs/how-to/custom-store.md does not describe {missing}"


def test_custom_store_guide_names_every_query_and_page_field() -> None:
    """The guide explains every field of Query and Page, with_groups and groups included, and the contract's switch."""
    text = (DOCS / "how-to" / "custom-store.md").read_text(encoding="utf-8")
    fields = [f"{record.__name__}.{item.name}" for record in (Query, Page) for item in dataclasses.fields(record)]
    missing = [name for name in fields if f"`{name.split('.')[1]}`" not in text]
    assert missing == [], f"docs/how-to/custom-store.md does not describe {missing}"
    assert "`Query.with_groups`" in text and "`Page.groups`" in text
    assert "reads_page_groups = True" in text and hasattr(StoreContract, "reads_page_groups")


def test_docs_extra_brings_a_signature_formatter() -> None:
    """The docs extra installs black or ruff, which mkdocstrings-python formats signatures with, and mkdocs.yml asks."""
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    names = {re.split(r"[\[<>=!~;\s]", requirement, maxsplit=1)[0].lower() for requirement in extra["docs"]}
    assert names & {"black", "ruff"}, f"the docs extra {sorted(names)} has no formatter for API signatures"
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for option in ("separate_signature: true", "show_signature_annotations: true", f"line_length: {LINE_LENGTH}"):
        assert re.search(rf"^\s+{option}$", config, flags=re.MULTILINE), f"mkdocs.yml lacks {option}"


def test_api_signatures_are_laid_out_one_parameter_a_line(site: Path) -> None:
    """A long signature in the API reference spans several lines, none longer than line_length."""
    signatures = _signatures(site / "reference" / "api" / "stores" / "index.html")
    change_members = next(s for s in signatures if s.startswith("change_members("))
    assert change_members.splitlines()[1].strip() == "rtype: ResourceTypeDef,"
    assert [line for s in signatures for line in s.splitlines() if len(line) > LINE_LENGTH] == []


def _language_menu(page: Path) -> dict[str, str]:
    """The language menu of a built page: language code to link."""
    menu = r'<a href="([^"]*)" hreflang="([\w-]+)" class="md-select__link"'
    links = re.findall(menu, page.read_text(encoding="utf-8"))
    return {lang: href for href, lang in links}


def test_language_menu_links_each_page_to_the_same_page_in_the_other_language(site: Path) -> None:
    """Every page's language menu points, with a relative link, at its own twin: P/ and zh/P/."""
    pages = [p for p in site.rglob("index.html") if "search" not in p.parts and "assets" not in p.parts]
    assert len(pages) > 40
    for page in pages:
        folder = page.parent.relative_to(site)
        english = Path(*folder.parts[1:]) if folder.parts[:1] == ("zh",) else folder
        menu = _language_menu(page)
        assert sorted(menu) == ["en", "zh"], f"{folder}: language menu {menu}"
        for lang, twin in (("en", english), ("zh", Path("zh") / english)):
            href = menu[lang]
            assert not href.startswith(("/", "http")), f"{folder}: {lang} link {href} is not relative"
            assert (page.parent / href).resolve() == (site / twin).resolve(), f"{folder}: {lang} link {href}"
    entra = _language_menu(site / "tutorial" / "entra" / "index.html")
    assert entra["zh"] == "../../zh/tutorial/entra/"


def test_chinese_pages_speak_chinese(site: Path) -> None:
    """The zh/ pages are built with the theme language zh: lang="zh" and Material's own Chinese labels."""
    for page in ("index.html", "tutorial/entra/index.html", "how-to/custom-store/index.html"):
        text = (site / "zh" / page).read_text(encoding="utf-8")
        assert '<html lang="zh"' in text, page
        assert 'placeholder="搜索"' in text and 'placeholder="Search"' not in text, page
        english = (site / page).read_text(encoding="utf-8")
        assert '<html lang="en"' in english and 'placeholder="Search"' in english, page
    tutorial = (site / "zh" / "tutorial" / "entra" / "index.html").read_text(encoding="utf-8")
    assert "将 Microsoft Entra ID 连接到" in tutorial
    assert '<html lang="en"' in (site / "404.html").read_text(encoding="utf-8")


TUTORIALS = sorted(
    p.relative_to(DOCS).as_posix() for pattern in ("tutorial/*.md", "zh/tutorial/*.md") for p in DOCS.glob(pattern)
)


def _readme_install() -> str:
    """The install half of the README's serve command (``python3 -m venv .venv && .venv/bin/pip install ...``)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    serve = re.search(r"<!-- serve-command -->\n```sh\n(.+)\n```", readme)
    assert serve is not None
    return serve.group(1).split(" && .venv/bin/scimcore")[0]


@pytest.mark.parametrize("tutorial", TUTORIALS)
def test_tutorial_installs_from_a_clone(tutorial: str) -> None:
    """Before any release, a tutorial's first install is git clone then the README's install command, not PyPI."""
    text = (DOCS / tutorial).read_text(encoding="utf-8")
    blocks = re.findall(r"^```sh\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    first = next(block for block in blocks if "pip install" in block).splitlines()
    assert first[0] == "git clone https://github.com/scimcore/scimcore.git && cd scimcore", tutorial
    assert first[1].startswith(_readme_install()), tutorial
    assert not re.search(r"pip install '?scimcore\[", text), f"{tutorial} installs scimcore from PyPI"


CHECK_WARNING = {
    "check.md": ["users", "groups", "event", "webhook gets a delivery", "test directory"],
    "zh/check.md": ["用户", "组", "事件", "webhook", "投递", "测试目录"],
}


@pytest.mark.parametrize("page", sorted(CHECK_WARNING))
def test_check_guide_warns_that_it_writes_to_the_directory(page: str) -> None:
    """Before its first command, the check guide warns of the users, groups, events and deliveries a run makes."""
    text = (DOCS / page).read_text(encoding="utf-8")
    warning = re.search(r"^!!! warning .*\n((?:    .*\n|\n)+)", text, flags=re.MULTILINE)
    assert warning is not None, f"{page} has no warning admonition"
    assert warning.start() < text.index("scimcore check https://"), f"{page}: the warning comes after the command"
    missing = [word for word in CHECK_WARNING[page] if word not in warning.group(1)]
    assert missing == [], f"{page}: the warning does not mention {missing}"


def test_check_guide_says_the_same_in_english_and_chinese() -> None:
    """docs/zh/check.md has the English page's commands, sections, and table rows (options, statuses, checks)."""
    english = (DOCS / "check.md").read_text(encoding="utf-8")
    chinese = (DOCS / "zh" / "check.md").read_text(encoding="utf-8")

    def rows(text: str) -> list[tuple[str, ...]]:
        cells = re.findall(r"^\| ([^|]+?) \|", text, flags=re.MULTILINE)
        return [tuple(re.findall(r"`([^`]+)`", cell)) or (cell,) for cell in cells if "`" in cell or cell.isdigit()]

    def commands(text: str) -> list[str]:
        return re.findall(r"^\s*(?:\.venv/bin/)?scimcore .*$", text, flags=re.MULTILINE)

    def anchors(text: str) -> list[str]:
        return re.findall(r"\{#([\w-]+)\}$", text, flags=re.MULTILINE)

    assert rows(english) == rows(chinese) and len(rows(english)) > 40
    assert [c.split("#")[0].strip() for c in commands(english)] == [c.split("#")[0].strip() for c in commands(chinese)]
    assert anchors(chinese) == [
        re.sub(r"[^\w]+", "-", heading.lower()).strip("-")
        for heading in re.findall(r"^## (.+)$", english, flags=re.MULTILINE)
    ]


def test_entra_tutorial_has_the_same_steps_in_english_and_chinese() -> None:
    """The Chinese Entra tutorial has the same numbered steps and commands as the English one."""
    english = (DOCS / "tutorial" / "entra.md").read_text(encoding="utf-8")
    chinese = (DOCS / "zh" / "tutorial" / "entra.md").read_text(encoding="utf-8")

    def steps(text: str) -> list[str]:
        return re.findall(r"^## (\d+)\. ", text, flags=re.MULTILINE)

    def commands(text: str) -> list[str]:
        return re.findall(r"^\.venv/bin/scimcore .*$|^scimcore .*$", text, flags=re.MULTILINE)

    assert steps(english) == steps(chinese) == [str(n) for n in range(1, 10)]
    assert commands(english) == commands(chinese)


def test_every_nav_entry_is_a_page() -> None:
    """Each page named in mkdocs.yml's nav exists under docs/."""
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8").split("\nnav:", 1)[1]
    pages = re.findall(r":\s+([\w./-]+\.md)\s*$", nav, flags=re.MULTILINE)
    assert pages and [p for p in pages if not (DOCS / p).is_file()] == []


def test_readme_library_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Python examples in README.md run as written."""
    pytest.importorskip("fastapi")
    pytest.importorskip("sqlalchemy")
    monkeypatch.chdir(tmp_path)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", readme, flags=re.MULTILINE | re.DOTALL)
    assert len(blocks) >= 2
    for block in blocks:
        namespace: dict[str, object] = {}
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - the README's own code
        store = namespace.get("store")
        if store is not None:
            store.close()  # type: ignore[attr-defined]


def test_readme_library_example_creates_its_directory_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Running the README's FastAPI example twice leaves one "Acme" directory and shows its token once."""
    pytest.importorskip("fastapi")
    pytest.importorskip("sqlalchemy")
    monkeypatch.chdir(tmp_path)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"^```python\n(.*?)^```", readme, flags=re.MULTILINE | re.DOTALL)
                 if "DirectoryManager" in b)
    shown: list[str] = []
    for _ in range(2):
        namespace: dict[str, object] = {"print": lambda *args: shown.append(" ".join(map(str, args)))}
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - the README's own code
        names = [d.name for d in namespace["manager"].list()]  # type: ignore[attr-defined]
        namespace["store"].close()  # type: ignore[attr-defined]
    assert names == ["Acme"]
    assert len([line for line in shown if line.startswith("Secret Token: ")]) == 1
