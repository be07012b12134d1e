"""One deflate stream (Content-Encoding: deflate, RFC 1950) spliced from pieces deflated apart.

Each piece is raw deflate data ending on a byte boundary with no final block (a sync flush),
so pieces can be put one after another in any order; the stream adds the zlib header, an empty
final block and the Adler-32 of the whole, combined from the pieces' own checksums. A piece is
deflated with no dictionary from any other, so what one piece holds never changes another's
length. A cached page's fixed parts are deflated once; only the small per-reader values are
deflated per request.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

HEADER = b"\x78\x9c"  # deflate, 32 KB window, default level (RFC 1950)
FINAL = b"\x03\x00"  # an empty final block with fixed Huffman codes
ADLER_BASE = 65521


@dataclass(frozen=True)
class Piece:
    """Raw deflate data for `size` bytes whose Adler-32 is `adler`."""

    data: bytes
    adler: int
    size: int

    @classmethod
    def of(cls, content: bytes, data: bytes | None = None) -> Piece:
        """`content` deflated (or with its deflated `data` given, as kept)."""
        if data is None:
            compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
            data = compressor.compress(content) + compressor.flush(zlib.Z_SYNC_FLUSH)
        return cls(data, zlib.adler32(content), len(content))


def inflate(data: bytes) -> bytes:
    """A piece's content from its deflated data."""
    return zlib.decompressobj(-15).decompress(data)


def adler32_combine(first: int, second: int, second_size: int) -> int:
    """The Adler-32 of a + b from Adler-32 of a, of b and the length of b (zlib's own method)."""
    rem = second_size % ADLER_BASE
    sum1 = first & 0xFFFF
    sum2 = (rem * sum1) % ADLER_BASE
    sum1 = (sum1 + (second & 0xFFFF) + ADLER_BASE - 1) % ADLER_BASE
    sum2 = (sum2 + (first >> 16) + (second >> 16) + ADLER_BASE - rem) % ADLER_BASE
    return (sum2 << 16) | sum1


def stream(pieces: list[Piece]) -> bytes:
    """The pieces' contents, in order, as one zlib stream."""
    adler = 1  # the Adler-32 of nothing
    for piece in pieces:
        adler = adler32_combine(adler, piece.adler, piece.size)
    return b"".join([HEADER, *(piece.data for piece in pieces), FINAL, struct.pack(">I", adler)])
