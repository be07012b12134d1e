"""Pieces deflated apart and spliced into one stream read back as the whole, checksum and all."""

import random
import zlib

from csp_portal import deflate


def test_it_combines_checksums_as_zlib_computes_them_over_the_whole():
    rng = random.Random(8)
    for _ in range(200):
        first = rng.randbytes(rng.randrange(0, 70_000))
        second = rng.randbytes(rng.choice([0, 1, 65520, 65521, 65522, rng.randrange(200_000)]))
        combined = deflate.adler32_combine(zlib.adler32(first), zlib.adler32(second), len(second))
        assert combined == zlib.adler32(first + second)


def test_it_splices_pieces_into_one_stream_any_zlib_reader_inflates():
    page = [b"<html><p>Signed in as ", b"Ann", b"</p>" + b"<td>42</td>" * 50_000, b"", b"</html>"]
    pieces = [deflate.Piece.of(part) for part in page]
    stream = deflate.stream(pieces)
    assert zlib.decompress(stream) == b"".join(page)  # checks the Adler-32 trailer too
    assert len(stream) < len(b"".join(page)) / 20


def test_a_piece_deflates_alike_whatever_is_around_it():
    """No dictionary is shared: a secret's compressed length cannot depend on the page."""
    secret = b"csrf-4f1c9a0e7b"
    alone = deflate.Piece.of(secret)
    stream = deflate.stream([deflate.Piece.of(b"csrf-4f1c " * 100), alone])
    assert alone.data in stream
    assert deflate.inflate(alone.data) == secret


def test_a_kept_piece_is_rebuilt_from_its_deflated_data():
    content = b"<tr><td>Violence against women and girls</td></tr>" * 1_000
    kept = deflate.Piece.of(content)
    again = deflate.Piece.of(deflate.inflate(kept.data), kept.data)
    assert again == kept
