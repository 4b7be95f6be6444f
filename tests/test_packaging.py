"""The package, its command line and the repository layout researchers rely on."""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import corpus_tools

REPO = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "corpus_tools.cli"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120)


def test_version_is_single_sourced() -> None:
    assert importlib.metadata.version("corpus_tools") == corpus_tools.__version__
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text("utf-8"))
    assert str(cff["version"]) == corpus_tools.__version__
    assert f"## [{corpus_tools.__version__}]" in (REPO / "CHANGELOG.md").read_text("utf-8")


def test_package_is_typed() -> None:
    assert (Path(corpus_tools.__file__).parent / "py.typed").is_file()


def test_top_level_layout() -> None:
    expected = {
        "pyproject.toml", "README.md", "notebooks", "corpus_tools", "tests", "environment.yml",
        "benchmarks", "CHANGELOG.md", "CITATION.cff", "LICENSE", ".pre-commit-config.yaml",
        ".ci",
    }  # fmt: skip
    present = {p.name for p in REPO.iterdir()}
    assert expected <= present
    assert (REPO / ".ci" / "run").is_file()


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    readme = (REPO / "README.md").read_text("utf-8")
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^(bash scripts/\S+\.sh)$", quick_start, flags=re.M)
    assert commands == ["bash scripts/reproduce.sh", "bash scripts/test.sh"]
    ci = [
        line
        for line in (REPO / ".ci" / "run").read_text("utf-8").splitlines()
        if line and not line.startswith(("#", "set ", "cd "))
    ]
    assert ci == ["bash scripts/test.sh"]


def test_cli_version_and_help() -> None:
    version = _run("--version")
    assert version.returncode == 0
    assert version.stdout.strip() == f"corpus-tools {corpus_tools.__version__}"
    helptext = _run("--help")
    assert helptext.returncode == 0
    for sub in ("ingest", "fetch", "topics", "reproduce"):
        assert sub in helptext.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("--no-such-option",),
        ("ingest", "--no-such-option", "x"),
        ("ingest", "does-not-exist.txt", "--out", "x.parquet"),
        ("topics", "fit", "does-not-exist.parquet"),
        ("no-such-command",),
    ],
)
def test_cli_user_errors_are_one_line_without_traceback(args: tuple[str, ...]) -> None:
    result = _run(*args)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "error" in lines[0]


def test_console_script_is_installed() -> None:
    script = shutil.which("corpus-tools", path=str(Path(sys.executable).parent))
    assert script is not None
    out = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == f"corpus-tools {corpus_tools.__version__}"


def test_lint_and_format_are_clean() -> None:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent))
    assert ruff is not None, "ruff is part of the test extra"
    check = subprocess.run([ruff, "check", str(REPO)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    fmt = subprocess.run([ruff, "format", "--check", str(REPO)], capture_output=True, text=True)
    assert fmt.returncode == 0, fmt.stdout


def test_public_api_is_reexported() -> None:
    assert corpus_tools.__all__ == ["__version__", *corpus_tools._EXPORTS]
    for name, target in corpus_tools._EXPORTS.items():
        module, _, attr = target.partition(":")
        source = importlib.import_module(f"corpus_tools.{module}")
        assert getattr(corpus_tools, name) is getattr(source, attr or name), name
    assert dir(corpus_tools) == sorted(corpus_tools.__all__)
    assert corpus_tools.topics is importlib.import_module("corpus_tools.topics")
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        _ = corpus_tools.no_such_name


def test_type_stub_is_generated_from_the_exports() -> None:
    """``__init__.pyi`` is what scripts/generate_init_stub.py renders from ``_EXPORTS``."""
    spec = importlib.util.spec_from_file_location(
        "generate_init_stub", REPO / "scripts" / "generate_init_stub.py"
    )
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    expected = generator.render(corpus_tools._EXPORTS, corpus_tools._SUBMODULES)
    assert "from .topics import load as load_model" in expected
    assert generator.STUB.read_text(encoding="utf-8") == expected, (
        "corpus_tools/__init__.pyi is stale: run scripts/generate_init_stub.py"
    )


def test_import_is_light() -> None:
    """``import corpus_tools`` (and so ``corpus-tools --version``) loads no heavy stack."""
    heavy = "{'sklearn', 'pandas', 'matplotlib'}"
    code = f"import sys, corpus_tools; print(sorted({heavy} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "[]"


def test_wheel_ships_the_package_data_and_stays_small(tmp_path: Path) -> None:
    """The demo corpus, profiles, lexicon and events ship in the wheel (< 5 MB)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(REPO)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("corpus_tools-*.whl")
    assert wheel.stat().st_size < 5 * 1024 * 1024
    import zipfile

    names = set(zipfile.ZipFile(wheel).namelist())
    for data in (
        "corpus_tools/py.typed",
        "corpus_tools/__init__.pyi",
        "corpus_tools/data/demo/corpus.tar.xz",
        "corpus_tools/data/demo/ground_truth.csv",
        "corpus_tools/data/profiles/pl_portal.yaml",
        "corpus_tools/data/actors.yaml",
        "corpus_tools/data/events.csv",
    ):
        assert data in names, data
