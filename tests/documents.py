"""Small generated documents shared by the tests (no binary fixtures in the repository)."""

from __future__ import annotations

import io

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

FONT = "STSong-Light"  # reportlab's built-in CID font: exact Chinese text back, no font file needed
if FONT not in pdfmetrics.getRegisteredFontNames():
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def one_page_pdf(*lines: str, heading: bool = False) -> bytes:
    """A one-page Chinese PDF, a line per argument; with ``heading`` the first line is set larger (16 pt)."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    y = 760.0
    for index, line in enumerate(lines):
        size = 16 if heading and index == 0 else (11 if heading else 12)
        canvas.setFont(FONT, size)
        canvas.drawString(72, y, line)
        y -= size * 2
    canvas.save()
    return buffer.getvalue()
