"""pymorphy3 lemmas of Russian word types, in a module light enough for worker processes.

:class:`corpus_tools.text._RussianLemmas` parses many new word types in worker processes.
A worker imports only what the function it runs needs: this module imports pymorphy3 and
nothing of the package (``corpus_tools.text`` pulls in pandas and scikit-learn, about
1.4 CPU s per worker against 0.1 s for pymorphy3 and its dictionaries).
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def morph() -> Any:
    """The process's pymorphy3 analyser for Russian (dictionaries loaded once)."""
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")


def parse_russian(words: list[str]) -> dict[str, str]:
    """pymorphy3's first normal form of each word; runs in a worker process too."""
    analyser = morph()
    return {w: analyser.parse(w)[0].normal_form for w in words}
