"""pyproject.toml and environment.yml name the same Python packages."""

import re
import tomllib

import yaml

from tests.recordings import REPO_ROOT

# conda-forge names that differ from the PyPI name of the same package
CONDA_TO_PYPI = {"redis-py": "redis", "uvicorn-standard": "uvicorn"}
SERVERS_AND_TOOLS = {"python", "pip", "mongodb", "rabbitmq-server", "redis-server", "go"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[;]", requirement.strip(), maxsplit=1)[0].lower()


def _pyproject_packages() -> set[str]:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + project["optional-dependencies"]["dev"]
    return {_name(requirement) for requirement in requirements}


def _conda_packages() -> set[str]:
    environment = yaml.safe_load((REPO_ROOT / "environment.yml").read_text())
    names = {_name(entry) for entry in environment["dependencies"] if isinstance(entry, str)}
    return {CONDA_TO_PYPI.get(name, name) for name in names - SERVERS_AND_TOOLS}


def test_environment_yml_and_pyproject_name_the_same_python_packages():
    assert _conda_packages() == _pyproject_packages()


def test_environment_yml_brings_the_servers():
    environment = yaml.safe_load((REPO_ROOT / "environment.yml").read_text())
    names = {_name(entry) for entry in environment["dependencies"] if isinstance(entry, str)}
    assert {"mongodb", "rabbitmq-server", "redis-server"} <= names
