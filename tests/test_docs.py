"""The generated scenario reference stays in step with the schema; the JSON Schema is usable."""

from __future__ import annotations

import ast
import builtins
import json
import re
import shlex
import subprocess
import sys
import unicodedata
from pathlib import Path

import typer
import yaml
from conftest import REFERENCE, ROOT, ScenarioWriter, base_scenario, boiler
from typer.testing import CliRunner

from dhopt.cli import app
from dhopt.docs import EXAMPLE, scenario_markdown
from dhopt.scenario import Scenario


def test_docs_scenario_md_is_current():
    assert (ROOT / "docs" / "scenario.md").read_text() == scenario_markdown(), (
        "docs/scenario.md is stale: run `dhopt schema --markdown > docs/scenario.md`"
    )


def test_every_field_is_documented():
    text = scenario_markdown()
    for name in (
        "capacity_max_mw",
        "availability_mw",
        "lorenz_efficiency",
        "loss_per_hour",
        "adders_eur_per_mwh",
    ):
        assert f"`{name}`" in text


def test_worked_example_is_a_valid_scenario():
    Scenario.model_validate(yaml.safe_load(EXAMPLE))


def test_json_schema_command_and_reference_scenario():
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["additionalProperties"] is False
    assert "units" in schema["properties"]
    Scenario.model_validate(yaml.safe_load(REFERENCE.read_text()))


# ------------------------------------------------------------------ documentation that stands alone

# Citations of files a user of the project does not have: the developers' seed documents, the model
# summary ("spec") and paths into the developers' shared folder. Sources are cited by title and author.
PRIVATE_CITATION = re.compile(
    r"seed 0|seed's|\bthe seed\b|\bseed(?: table| figure| eq| part| section|:| \[| \d)"
    r"|\bspec §|\bspec section|\.\./shared|/work/shared",
    re.IGNORECASE,
)


def _user_facing_files() -> list[Path]:
    # docs/scenario.md is generated from the schema's help texts, so it is checked with dhopt/ below.
    docs = [p for p in sorted((ROOT / "docs").glob("*.md")) if p.name != "scenario.md"]
    return [
        ROOT / "README.md",
        *docs,
        *sorted((ROOT / "scenarios").glob("*.yaml")),
        ROOT / "data" / "SOURCES.md",
        *sorted((ROOT / "data").glob("*.py")),
    ]


def _private_citations(paths: list[Path], pattern: re.Pattern[str] = PRIVATE_CITATION) -> list[str]:
    found = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if pattern.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    return found


def test_user_facing_files_cite_sources_by_name():
    # Wider than PRIVATE_CITATION: no file a user reads says "seed" at all.
    anywhere = re.compile(PRIVATE_CITATION.pattern + r"|\bseeds?\b", re.IGNORECASE)
    found = _private_citations(_user_facing_files(), anywhere)
    assert not found, "cite the source by title and author (docs/sources.md):\n" + "\n".join(found)


def test_dhopt_help_texts_and_comments_cite_sources_by_name():
    # Help texts, docstrings, comments and messages of the package, and the reference generated from them.
    paths = [*sorted((ROOT / "dhopt").rglob("*.py")), ROOT / "docs" / "scenario.md"]
    found = _private_citations(paths)
    assert not found, "cite the source by title and author (docs/sources.md):\n" + "\n".join(found)


def test_private_citation_pattern():
    for text in ("seed 001 Part I", "(seed Table 4)", "the seed's [25]", "spec §3", "../shared/spec/x.md"):
        assert PRIVATE_CITATION.search(text), text
    for text in ("spec.column", "the Nordhavn deliverable, Table 4", "PointSpec"):
        assert not PRIVATE_CITATION.search(text), text


# ------------------------------------------------------------------ links

FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"!?\[[^\]\n]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def _prose(path: Path) -> str:
    """A Markdown file without its fenced code blocks."""
    return FENCE.sub("", path.read_text(encoding="utf-8"))


def _markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def github_slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.strip().lower()
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LNM")
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = _prose(path)
    seen: dict[str, int] = {}
    out = set()
    for match in re.finditer(r"^#{1,6}\s+(.+?)\s*#*\s*$", text, re.MULTILINE):
        slug = github_slug(match.group(1))
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def test_github_slug():
    assert github_slug("Typical days (`dhopt solve SCENARIO --typical-days N`)") == (
        "typical-days-dhopt-solve-scenario---typical-days-n"
    )
    assert github_slug("7. Heat-source proportion sweep (2.3.3)") == "7-heat-source-proportion-sweep-233"
    assert (
        github_slug("Reference case against the study (Table 10)")
        == "reference-case-against-the-study-table-10"
    )


def test_relative_links_and_anchors_resolve():
    broken = []
    for path in _markdown_files():
        text = INLINE_CODE.sub("", _prose(path))
        for target in LINK.findall(text):
            if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
                continue
            file_part, _, anchor = target.partition("#")
            linked = (path.parent / file_part).resolve() if file_part else path
            where = f"{path.relative_to(ROOT)}: ({target})"
            if not linked.exists():
                broken.append(f"{where}: no such file")
            elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                broken.append(f"{where}: no heading with the anchor #{anchor}")
            elif anchor and linked.suffix != ".md":
                broken.append(f"{where}: an anchor into a file that is not Markdown")
    assert not broken, "\n".join(broken)


REPO_PATH = re.compile(r"`((?:\.\./|docs/|data/|scenarios/|dhopt/|tests/|benchmarks/)[^`\s]*)`")


def test_repository_paths_named_in_docs_exist():
    # A path in backticks (`scenarios/nordhavn.yaml`, `dhopt/commands_*.py`, `tests/x.py::test`) is a file
    # the reader can open: relative to the repository root or to the document, never outside the repository.
    missing = []
    for path in _markdown_files():
        for name in REPO_PATH.findall(_prose(path)):
            name = name.split("::")[0]
            where = f"{path.relative_to(ROOT)}: `{name}`"
            if name.startswith("../"):
                target = (path.parent / name).resolve()
                if not target.is_relative_to(ROOT):
                    missing.append(f"{where} is outside the repository")
                elif not target.exists():
                    missing.append(f"{where} does not exist")
            elif not any(any(base.glob(name)) for base in (ROOT, path.parent)):
                missing.append(f"{where} does not exist")
    assert not missing, "\n".join(missing)


# ------------------------------------------------------------------ Python in the docs

PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _python_blocks() -> list[tuple[str, str]]:
    blocks = []
    for path in _markdown_files():
        for i, match in enumerate(PYTHON_BLOCK.finditer(path.read_text(encoding="utf-8")), start=1):
            blocks.append((f"{path.relative_to(ROOT)} block {i}", match.group(1)))
    return blocks


def unbound_names(tree: ast.AST) -> set[str]:
    """Names a snippet reads but never binds (imports, assignments, loops, defs) and are not builtins."""
    bound, loaded = set(dir(builtins)), set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
    return loaded - bound


def test_unbound_names_finds_a_missing_import():
    assert unbound_names(ast.parse("summary = run(Path('out'))\n")) == {"run", "Path"}
    assert not unbound_names(ast.parse("from pathlib import Path\nx = [Path(p) for p in 'ab']\n"))


def test_python_blocks_in_docs_compile_import_and_bind_every_name():
    blocks = _python_blocks()
    assert len(blocks) >= 3  # demand.md, reproduction.md, sweeps.md
    problems = []
    for where, code in blocks:
        tree = ast.parse(code, filename=where)  # a SyntaxError names the block
        compile(tree, where, "exec")
        missing = unbound_names(tree)
        if missing:
            problems.append(
                f"{where}: NameError: {', '.join(sorted(missing))} used but never defined or imported"
            )
        # Run the block's own imports (cheap; the solves and fits themselves are left out).
        imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        try:
            exec(compile(ast.Module(body=imports, type_ignores=[]), where, "exec"), {})
        except ImportError as exc:
            problems.append(f"{where}: {exc}")
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------------ the README's command list


def test_readme_lists_every_command_and_the_version_option():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    missing = [name for name in commands if f"`dhopt {name}" not in readme]
    assert not missing, f"README's command table lacks: {missing}"
    assert "`dhopt --version`" in readme


# ------------------------------------------------------------------ data files


def test_documented_conversion_of_a_european_excel_export(writer: ScenarioWriter):
    # The pandas one-liner of docs/data-files.md turns a ';'-separated, ','-decimal export (UTF-8 with a
    # byte-order mark, CRLF, as Excel writes it) into a file dhopt reads.
    doc = (ROOT / "docs" / "data-files.md").read_text(encoding="utf-8")
    command = re.search(r"^\s*(python -c .*)$", doc, re.MULTILINE)
    assert command, "docs/data-files.md: no pandas one-liner"
    export = "time_utc;heat_mw\r\n" + "".join(f"2018-01-01T{h:02d}:00:00Z;{5 + h},5\r\n" for h in range(24))
    (writer.folder / "export.csv").write_bytes(b"\xef\xbb\xbf" + export.encode("utf-8"))
    argv = [sys.executable if a == "python" else a for a in shlex.split(command.group(1))]
    subprocess.run(argv, cwd=writer.folder, check=True, timeout=60)
    scenario = base_scenario(24, demand={"file": "data.csv", "column": "heat_mw"})
    scenario["units"] = {"eb": boiler()}
    result = CliRunner().invoke(app, ["validate", str(writer.yaml(scenario))])
    assert result.exit_code == 0, result.output
    assert "peak 28.50 MW" in result.output
