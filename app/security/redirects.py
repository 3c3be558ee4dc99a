"""The one check for a redirect target that came from a client (``next`` fields and parameters)."""

from __future__ import annotations

from urllib.parse import urlsplit


def is_safe_redirect(target: object) -> bool:
    """True only for a path on this site: ``/issues/x?y#z``.

    Refused: absolute URLs (``https://evil``), scheme-relative ones (``//evil``), backslashes
    (browsers read ``/\\evil`` as ``//evil``), and any control character or whitespace (browsers
    strip tabs and line breaks from URLs, so ``/\\t/evil`` would become ``//evil``).
    """
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(char.isspace() or ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_redirect_target(target: object, fallback: str) -> str:
    """``target`` when it is a same-site path, else ``fallback``."""
    return target if is_safe_redirect(target) else fallback  # type: ignore[return-value]
