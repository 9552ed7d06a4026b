#!/usr/bin/env bash
# Create .venv (once) and install mpis with its dev extra into it. Idempotent: with .venv present
# it only checks what is installed (about 8 s); on a fresh machine it installs about 6.5 GB of
# wheels (torch with its CUDA libraries, ray with the dashboard, ...) in about 3 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
quiet_pip() {  # pip, minus the warnings about unreadable extra index folders some machines configure
  .venv/bin/python -m pip "$@" --quiet --progress-bar off 2>&1 | { grep -v 'is ignored: it is neither' || true; }
}
python3 -m venv .venv
quiet_pip install --upgrade pip
quiet_pip install -e '.[dev]'
