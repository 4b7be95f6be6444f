# Sourced by scripts/reproduce.sh and scripts/test.sh: create or refresh .venv from the lock.
# The lock pins every package with hashes, so stored notebook outputs are produced and
# checked under the same versions.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3}"
VENV="${CORPUS_TOOLS_VENV:-.venv}"
LOCK=requirements/lock.txt

if [ ! -x "$VENV/bin/python" ]; then
    echo "corpus_tools: creating $VENV with $($PYTHON --version)"
    "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.corpus-tools-lock.sha256"
want="$(sha256sum "$LOCK" pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "corpus_tools: installing the locked environment into $VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes -r "$LOCK"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
    echo "$want" > "$stamp"
fi

# CI and the developers' machines have the real corpora under ../shared (read-only):
# seed a writable cache from it unless the user already chose one.
if [ -z "${CORPUS_TOOLS_DATA:-}" ] && [ -d ../shared/corpora ]; then
    CORPUS_TOOLS_DATA="$(mktemp -d -t corpus-tools-data.XXXXXX)"
    trap 'rm -rf "$CORPUS_TOOLS_DATA"' EXIT
    cp -r ../shared/corpora/. "$CORPUS_TOOLS_DATA/"
    chmod -R u+w "$CORPUS_TOOLS_DATA"
    export CORPUS_TOOLS_DATA
    echo "corpus_tools: CORPUS_TOOLS_DATA=$CORPUS_TOOLS_DATA (seeded from ../shared/corpora)"
fi
# Pin the numeric kernels (OpenBLAS, NumPy SIMD, libm) to the x86-64 baseline and one thread,
# whatever this CPU would pick: stored outputs are then the same on every x86_64 machine
# (see corpus_tools/numerics.py). The variables must be set before Python starts.
eval "$("$VENV/bin/python" -m corpus_tools.numerics --export)"
