"""A compressed (or Windows-1252) csv copied to a plain UTF-8 file under caps: every
gzip or zstd csv, of any size, passes through ``copy_capped`` before DuckDB reads it
(DuckDB's own inflate checks only line length: a 50 MB file of four gzip members that
expands to 12 GB ran 124 s and 5.5 GB before it was killed, issue 24). Python's zlib and
zstandard decompress in blocks; the loop counts what comes out against what went in, so a
bomb is refused after a few blocks past the floor, not after gigabytes. A leaf module:
``read_csv`` and ``prefetch`` (the next gzip inflated in the background) both use it."""

from __future__ import annotations

import codecs
import gzip
from pathlib import Path
from typing import IO

from icestats.errors import InputError

MAX_LINE_BYTES = 1 << 20  # a longer line (header or row) is refused: no release has one
# a compressed csv whose output exceeds this many times the compressed bytes read so far
# (past the floor) is refused while it is inflated (the real releases expand 14 times)
MAX_EXPANSION = 40
EXPANSION_FLOOR = 64 << 20
CP1252 = "cp1252-latin1"
BLOCK = 1 << 20


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """The bytes Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D), as Latin-1."""
    assert isinstance(exc, UnicodeDecodeError)
    return exc.object[exc.start:exc.end].decode("latin-1"), exc.end


codecs.register_error(CP1252, _cp1252_fallback)


def opened(raw: IO[bytes], compression: str) -> IO[bytes]:
    """A decompressing reader over the open file ``raw`` (``raw.tell()`` then says how
    much of the compressed file it has consumed)."""
    if compression == "gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    if compression == "zstd":
        import zstandard

        return zstandard.ZstdDecompressor().stream_reader(raw, closefd=False)
    return raw


def copy_capped(path: Path, compression: str, dst: IO[bytes], label: str,
                encoding: str = "utf-8") -> None:
    """Copy ``path`` decompressed (and transcoded from Windows-1252 when ``encoding`` says
    so) into ``dst``; InputError as soon as the output passes MAX_EXPANSION times the
    compressed bytes consumed (and EXPANSION_FLOOR) or a line passes MAX_LINE_BYTES."""
    with path.open("rb") as raw, opened(raw, compression) as src:
        _copy(src, raw, dst, label, encoding)


def _copy(src: IO[bytes], raw: IO[bytes], dst: IO[bytes], label: str, encoding: str
          ) -> None:
    decoder = codecs.getincrementaldecoder("cp1252")(errors=CP1252) \
        if encoding == CP1252 else None
    size = line = 0
    while block := src.read(BLOCK):
        size += len(block)
        cut = max(block.rfind(b"\n"), block.rfind(b"\r"))
        line = line + len(block) if cut < 0 else len(block) - cut - 1
        if size > max(EXPANSION_FLOOR, MAX_EXPANSION * raw.tell()):
            raise InputError(label, f"expands to more than {MAX_EXPANSION} times its size "
                                    f"({_size(size)} from its first {_size(raw.tell())}): "
                                    "refused as a decompression bomb")
        if line > MAX_LINE_BYTES:
            raise InputError(label, f"a line longer than {MAX_LINE_BYTES >> 20} MB near byte "
                                    f"{size:,}: not a release's")
        dst.write(block if decoder is None else decoder.decode(block).encode("utf-8"))


def _size(n: int) -> str:
    return f"{n >> 20:,} MB" if n >= 1 << 20 else f"{n >> 10:,} KB"
