#!/usr/bin/env bash
# The whole test suite: library tests, the docstring examples, and nbval over the stored
# notebook outputs (figures through their printed fingerprints).
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh"
"$VENV/bin/python" -m pytest tests corpus_tools notebooks --doctest-modules \
    --nbval --nbval-current-env --nbval-sanitize-with notebooks/nbval_sanitize.cfg "$@"
