"""What a PDF page draws besides text, read in one walk over its objects with pdfium.

The PDF reader needs three things from a page's drawing objects: how much of the page
images cover (is it a scan?), how much of its text is invisible (an old OCR layer?), and
the straight rulings that may form a table. pdfplumber would give the rulings too, but
only after pdfminer has parsed the whole content stream again, text included: on the
generated business plans that cost half of all parsing time. Here the rulings come from
pdfium's path segments, as the edge dicts pdfplumber's own table geometry consumes
(``pdfplumber.table.TableFinder``), so the table finder itself is still pdfplumber's.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as raw

_INVISIBLE = 3  # PDF text render mode 3: neither fill nor stroke, the mark of an OCR layer
_MAX_DEPTH = 3  # form XObjects nested deeper than this are not looked into
_AXIS_TOLERANCE = 0.5  # a segment this close to horizontal or vertical counts as a ruling
_MIN_EDGE = 1.0  # pdfplumber's pre-filter length for edges

# An affine matrix (a, b, c, d, e, f): x' = a x + c y + e, y' = b x + d y + f.
Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


@dataclass
class PageDrawing:
    """The drawing inventory of one page, in PDF points with a top-left origin."""

    width: float
    height: float
    image_area: float = 0.0
    text_objects: int = 0
    invisible_text_objects: int = 0
    edges: list[dict[str, float | str]] = field(default_factory=list)

    @property
    def image_coverage(self) -> float:
        """Share of the page covered by images (overlaps counted twice, capped at 1)."""
        page_area = self.width * self.height
        return min(self.image_area / page_area, 1.0) if page_area else 0.0

    @property
    def invisible_text_share(self) -> float:
        return self.invisible_text_objects / self.text_objects if self.text_objects else 0.0

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (0.0, 0.0, self.width, self.height)

    def may_have_table(self) -> bool:
        """Cheap pre-check: enough horizontal and vertical rulings to form a grid."""
        horizontal = sum(1 for e in self.edges if e["orientation"] == "h" and e["width"] > 20)
        vertical = sum(1 for e in self.edges if e["orientation"] == "v" and e["height"] > 8)
        return horizontal >= 2 and vertical >= 2


def read_drawing(page: pdfium.PdfPage) -> PageDrawing:
    """Walk every object of ``page`` (and of its forms) once."""
    width, height = page.get_size()
    drawing = PageDrawing(width=width, height=height)
    handle = page.raw
    for index in range(raw.FPDFPage_CountObjects(handle)):
        _visit(raw.FPDFPage_GetObject(handle, index), _IDENTITY, drawing, 0)
    return drawing


def _visit(obj: raw.FPDF_PAGEOBJECT, parent: Matrix, drawing: PageDrawing, depth: int) -> None:
    kind = raw.FPDFPageObj_GetType(obj)
    if kind == raw.FPDF_PAGEOBJ_TEXT:
        drawing.text_objects += 1
        drawing.invisible_text_objects += raw.FPDFTextObj_GetTextRenderMode(obj) == _INVISIBLE
    elif kind == raw.FPDF_PAGEOBJ_IMAGE:
        drawing.image_area += _clipped_area(_bounds(obj, parent), drawing)
    elif kind == raw.FPDF_PAGEOBJ_PATH:
        _add_edges(obj, _compose(_matrix(obj), parent), drawing)
    elif kind == raw.FPDF_PAGEOBJ_FORM and depth < _MAX_DEPTH:
        matrix = _compose(_matrix(obj), parent)
        for index in range(raw.FPDFFormObj_CountObjects(obj)):
            _visit(raw.FPDFFormObj_GetObject(obj, index), matrix, drawing, depth + 1)


def _matrix(obj: raw.FPDF_PAGEOBJECT) -> Matrix:
    m = raw.FS_MATRIX()
    if not raw.FPDFPageObj_GetMatrix(obj, ctypes.byref(m)):
        return _IDENTITY
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _compose(inner: Matrix, outer: Matrix) -> Matrix:
    """The matrix that applies ``inner`` first, then ``outer``."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer  # capitals: the outer matrix, as in matrix notation
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])


def _bounds(obj: raw.FPDF_PAGEOBJECT, parent: Matrix) -> tuple[float, float, float, float]:
    """(left, bottom, right, top) of an object in page space; pdfium gives them in its parent's."""
    left, bottom, right, top = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    raw.FPDFPageObj_GetBounds(obj, ctypes.byref(left), ctypes.byref(bottom), ctypes.byref(right), ctypes.byref(top))
    corners = [_apply(parent, x, y) for x in (left.value, right.value) for y in (bottom.value, top.value)]
    xs, ys = [p[0] for p in corners], [p[1] for p in corners]
    return (min(xs), min(ys), max(xs), max(ys))


def _clipped_area(box: tuple[float, float, float, float], drawing: PageDrawing) -> float:
    left, bottom, right, top = box
    return max(0.0, min(right, drawing.width) - max(left, 0.0)) * max(0.0, min(top, drawing.height) - max(bottom, 0.0))


def _add_edges(path: raw.FPDF_PAGEOBJECT, matrix: Matrix, drawing: PageDrawing) -> None:
    """Axis-aligned straight segments of a path as pdfplumber edges (curves are no rulings)."""
    x = ctypes.c_float()
    y = ctypes.c_float()
    start: tuple[float, float] | None = None  # where the current sub-path began (for close)
    previous: tuple[float, float] | None = None
    for index in range(raw.FPDFPath_CountSegments(path)):
        segment = raw.FPDFPath_GetPathSegment(path, index)
        raw.FPDFPathSegment_GetPoint(segment, ctypes.byref(x), ctypes.byref(y))
        point = _apply(matrix, x.value, y.value)
        kind = raw.FPDFPathSegment_GetType(segment)
        if kind == raw.FPDF_SEGMENT_MOVETO:
            start = point
        elif kind == raw.FPDF_SEGMENT_LINETO and previous is not None:
            _add_segment(previous, point, drawing)
        if raw.FPDFPathSegment_GetClose(segment) and start is not None and kind != raw.FPDF_SEGMENT_MOVETO:
            _add_segment(point, start, drawing)
        previous = point


def _add_segment(p: tuple[float, float], q: tuple[float, float], drawing: PageDrawing) -> None:
    (x0, y0), (x1, y1) = p, q
    if abs(y0 - y1) <= _AXIS_TOLERANCE and abs(x1 - x0) >= _MIN_EDGE:
        top = drawing.height - (y0 + y1) / 2
        left, right = min(x0, x1), max(x0, x1)
        drawing.edges.append({"x0": left, "x1": right, "top": top, "bottom": top, "doctop": top,
                              "width": right - left, "height": 0.0, "orientation": "h", "object_type": "line"})
    elif abs(x0 - x1) <= _AXIS_TOLERANCE and abs(y1 - y0) >= _MIN_EDGE:
        x = (x0 + x1) / 2
        top, bottom = drawing.height - max(y0, y1), drawing.height - min(y0, y1)
        drawing.edges.append({"x0": x, "x1": x, "top": top, "bottom": bottom, "doctop": top,
                              "width": 0.0, "height": bottom - top, "orientation": "v", "object_type": "line"})
