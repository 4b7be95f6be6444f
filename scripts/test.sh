#!/usr/bin/env bash
# The whole test suite: library tests (the docstring examples included, see
# tests/test_docstrings.py) and nbval over the stored notebook outputs (figures through
# their printed fingerprints).
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh"
"$VENV/bin/python" -m pytest tests notebooks \
    --nbval --nbval-current-env --nbval-sanitize-with notebooks/nbval_sanitize.cfg "$@"
