"""Main text and metadata of saved web pages (trafilatura)."""

from __future__ import annotations

from .clean import normalize_text

_HTML_KEYS = ("text", "title", "date", "author", "url", "sitename")


def extract_html(html: str, url: str | None = None) -> dict[str, str | None]:
    """Extract the main text and metadata of a web page with trafilatura.

    Parameters
    ----------
    html : str
        The page source.
    url : str or None
        The page address (helps trafilatura; used when the page does not state it).

    Returns
    -------
    dict
        Keys ``text``, ``title``, ``date`` (``YYYY-MM-DD``), ``author``, ``url``,
        ``sitename``; ``None`` where the page has no such information.

    Examples
    --------
    >>> page = "<html><body><article><p>" + "Kim met Putin in Pyongyang. " * 20
    >>> extract_html(page + "</p></article></body></html>")["text"][:27]
    'Kim met Putin in Pyongyang.'
    """
    import trafilatura

    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    values = doc.as_dict() if doc is not None else {}
    out: dict[str, str | None] = {key: values.get(key) or None for key in _HTML_KEYS}
    if out["text"] is not None:
        out["text"] = normalize_text(out["text"])
    if out["url"] is None:
        out["url"] = url
    return out
