"""The bundled SYNTHETIC demo corpus: invented articles with a known, planted structure.

Nothing here is real press coverage. The articles are composed from sentences written for
this project around real, dated events in Russia-North Korea relations
(``corpus_tools/data/events.csv``), with a planted topic mixture per document, planted
near-duplicates and planted broken files, all recorded in a ground-truth table. Use it to
check that the pipeline recovers structure known to be there, and to run everything
offline; it makes no claim about how any real outlet covered these events.

Load the packaged copy with :func:`corpus_tools.datasets.load_demo`; regenerate it with
``python -m corpus_tools.demo.generate --out DIR`` (functions in
:mod:`corpus_tools.demo.generate`). Corpora of 10^4-10^6 such articles, for scale tests:
``corpus-tools make-corpus --n N --out DIR`` (:mod:`corpus_tools.demo.large`).
"""
