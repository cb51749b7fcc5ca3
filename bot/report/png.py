"""A tiny RGB canvas that writes PNG with the standard library alone (zlib and struct).

Enough for bar charts with words: filled rectangles and the project's bitmap font,
scaled up so the letters are large. Pillow would add a native wheel for two shapes.
"""

from __future__ import annotations

import struct
import zlib

from bot.report.glyphs import GLYPH_HEIGHT, GLYPH_WIDTH, glyph

__all__ = ["Canvas", "rgb"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
Colour = tuple[int, int, int]


def rgb(hex_colour: str) -> Colour:
    """ "#1f4e79" -> (31, 78, 121)."""
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


class Canvas:
    """Pixels in rows of RGB bytes; (0, 0) is the top left."""

    def __init__(self, width: int, height: int, paper: Colour = (255, 255, 255)) -> None:
        self.width = width
        self.height = height
        self._rows = [bytearray(bytes(paper) * width) for _ in range(height)]

    def fill(self, left: int, top: int, width: int, height: int, colour: Colour) -> None:
        """A filled rectangle, clipped to the canvas."""
        x0, x1 = max(left, 0), min(left + width, self.width)
        if x1 <= x0:
            return
        span = bytes(colour) * (x1 - x0)
        for y in range(max(top, 0), min(top + height, self.height)):
            self._rows[y][x0 * 3 : x1 * 3] = span

    @staticmethod
    def text_width(words: str, scale: int) -> int:
        return len(words) * (GLYPH_WIDTH + 1) * scale

    def text(self, left: int, top: int, words: str, scale: int, colour: Colour) -> int:
        """Write words with their top at `top`; returns the x just after the last letter."""
        x = left
        for character in words:
            for row, cells in enumerate(glyph(character)):
                y = top + row * scale
                run_start = None
                for column, ink in enumerate((*cells, False)):
                    if ink and run_start is None:
                        run_start = column
                    elif not ink and run_start is not None:
                        width = (column - run_start) * scale
                        self.fill(x + run_start * scale, y, width, scale, colour)
                        run_start = None
            x += (GLYPH_WIDTH + 1) * scale
        return x

    @staticmethod
    def line_height(scale: int) -> int:
        return (GLYPH_HEIGHT + 2) * scale

    def png(self) -> bytes:
        """The canvas as a PNG file: 8-bit RGB, no filtering, zlib-compressed."""
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        raw = b"".join(b"\x00" + bytes(row) for row in self._rows)
        return b"".join(
            [
                PNG_SIGNATURE,
                _chunk(b"IHDR", header),
                _chunk(b"IDAT", zlib.compress(raw, 9)),
                _chunk(b"IEND", b""),
            ]
        )
