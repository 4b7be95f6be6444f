#!/usr/bin/env bash
# Execute every notebook on the bundled corpus and write figures/ with its MANIFEST.json.
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh"
"$VENV/bin/corpus-tools" reproduce --out figures "$@"
