"""environment.yml (conda/Binder) and pyproject.toml must declare the same dependencies."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[1]
# environment.yml mirrors the core dependencies plus these extras.
MIRRORED_EXTRAS = ("notebooks", "test", "korean")
NOT_PACKAGES = {"python", "pip"}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pyproject_requirements(path: Path) -> dict[str, str]:
    project = tomllib.loads(path.read_text("utf-8"))["project"]
    reqs = list(project["dependencies"])
    for extra in MIRRORED_EXTRAS:
        reqs += project["optional-dependencies"][extra]
    parsed = [Requirement(r) for r in reqs]
    return {_canonical(r.name): str(r.specifier) for r in parsed}


def environment_requirements(path: Path) -> dict[str, str]:
    env = yaml.safe_load(path.read_text("utf-8"))
    specs: list[str] = []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            specs += [s for s in dep["pip"] if not s.startswith("-")]
        else:
            specs.append(dep)
    out = {}
    for spec in specs:
        # conda allows "name >=1.0" as well as "name>=1.0"; packaging reads both once joined.
        req = Requirement(spec.replace(" ", ""))
        if req.name not in NOT_PACKAGES:
            out[_canonical(req.name)] = str(req.specifier)
    return out


def test_environment_yml_declares_same_dependencies_as_pyproject() -> None:
    env = environment_requirements(REPO / "environment.yml")
    assert env == pyproject_requirements(REPO / "pyproject.toml")
    assert len(env) >= 25


def test_environment_yml_python_matches_requires_python() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]
    env = yaml.safe_load((REPO / "environment.yml").read_text("utf-8"))
    python = [d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python")]
    assert python == [f"python{project['requires-python']}"]


def test_a_changed_bound_or_a_missing_package_is_drift(tmp_path: Path) -> None:
    text = (REPO / "environment.yml").read_text("utf-8")
    pyproject = pyproject_requirements(REPO / "pyproject.toml")
    for edit in (("pandas>=2.2", "pandas>=2.1"), ("  - datasketch>=1.6\n", "")):
        assert edit[0] in text
        changed = tmp_path / "environment.yml"
        changed.write_text(text.replace(*edit), "utf-8")
        assert environment_requirements(changed) != pyproject
