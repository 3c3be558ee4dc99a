"""An issue's whole export: written to a folder (CLI) or streamed as a zip (HTTP)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

from app.models import Issue, utcnow
from app.services.opendata.access import readme
from app.services.opendata.export import FILES, Export

ENCODING = "utf-8"


def write_folder(issue: Issue, folder: Path, url: str) -> list[Path]:
    """Write every file and README.md into ``folder`` (created if missing); return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    export = Export(issue)
    written = []
    for name, write in FILES.items():
        path = folder / name
        with path.open("w", encoding=ENCODING, newline="") as handle:
            for chunk in write(export, url):
                handle.write(chunk)
        written.append(path)
    path = folder / "README.md"
    path.write_text(readme(issue, url, utcnow(), list(FILES)), encoding=ENCODING)
    return [*written, path]


class _Sink:
    """A write-only, unseekable file for ZipFile whose bytes are taken out as they come."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.position = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        out = b"".join(self.parts)
        self.parts.clear()
        return out


def stream_zip(issue: Issue, url: str, folder_name: str) -> Iterator[bytes]:
    """The export as a zip, produced piece by piece (data descriptors, no seeking back)."""
    sink = _Sink()
    export = Export(issue)
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:  # type: ignore[arg-type]
        for name, write in FILES.items():
            with archive.open(f"{folder_name}/{name}", "w", force_zip64=True) as member:
                for chunk in write(export, url):
                    member.write(chunk.encode(ENCODING))
                    if sink.parts:
                        yield sink.take()
            yield sink.take()
        archive.writestr(f"{folder_name}/README.md", readme(issue, url, utcnow(), list(FILES)).encode(ENCODING))
    yield sink.take()
