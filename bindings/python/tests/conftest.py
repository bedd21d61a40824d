"""Shared fixtures: the repository root, the `fundsgate` command line and the
request generator, built by `.ci/run` (or found on `FUNDSGATE_BIN`)."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
NOW = 1651516600


def _target_dir() -> pathlib.Path:
    """Where cargo builds: `CARGO_TARGET_DIR` and config included, as cargo
    itself reports it (never assumed to be ./target)."""
    out = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"],
        cwd=ROOT, check=True, capture_output=True,
    )
    return pathlib.Path(json.loads(out.stdout)["target_directory"])


def _binary(name: str, env: str, relative: str) -> pathlib.Path:
    path = pathlib.Path(os.environ.get(env, _target_dir() / relative))
    if not path.exists():
        subprocess.run(
            ["cargo", "build", "--release", "--bin", "fundsgate", "--example", "gen_requests"],
            cwd=ROOT,
            check=True,
        )
    assert path.exists(), f"{name}: {path} not found"
    return path


@pytest.fixture(scope="session")
def cli() -> pathlib.Path:
    return _binary("fundsgate", "FUNDSGATE_BIN", "release/fundsgate")


@pytest.fixture(scope="session")
def gen_requests() -> pathlib.Path:
    return _binary("gen_requests", "FUNDSGATE_GEN", "release/examples/gen_requests")


def run_cli(cli: pathlib.Path, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([str(cli), *args], input=stdin, capture_output=True, cwd=ROOT)
