#!/usr/bin/env bash
# Create .venv (once) and install mpis with its dev extra into it. Idempotent: on a machine whose
# pip cache is warm and whose .venv exists this takes well under 2 minutes; on a fresh machine
# (about 6.5 GB of wheels: torch with its CUDA libraries, ray, ...) a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --progress-bar off --upgrade pip
.venv/bin/python -m pip install --quiet --progress-bar off -e '.[dev]'
