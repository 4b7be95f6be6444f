#!/usr/bin/env bash
# The whole test suite: library tests and nbval over the stored notebook outputs.
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh"
"$VENV/bin/python" -m pytest tests notebooks \
    --nbval --nbval-current-env --nbval-sanitize-with notebooks/nbval_sanitize.cfg "$@"
