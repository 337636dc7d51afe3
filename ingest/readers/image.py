"""Image reader: PNG, JPEG and TIFF scans (one page per TIFF frame), read by OCR.

Sizes are checked from the file header before any pixel is decoded: a 100 kB PNG can
claim 100 000 × 100 000 pixels. Pages are returned in the pixel coordinates of the
upright image (EXIF orientation applied); images have no trustworthy physical size, as
phones write 72 dpi into every photo.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable

from PIL import Image, ImageOps, JpegImagePlugin, PngImagePlugin, TiffImagePlugin

from ingest import sniff
from ingest.document import Document
from ingest.errors import Refused
from ingest.layout import LayoutPage, Line, emit_pages, layout_page
from ingest.ocr import get_engine, ocr_ready, recognize_lines
from ingest.readers.base import ReadContext

# Pages whose long side exceeds this are shrunk before OCR. The recogniser scales every line
# to 48 px height anyway, so beyond ~200 dpi more pixels only cost decoding, detection and
# resizing time (a 300 dpi A4 scan is 2480 × 3508 px, a phone photo 4000 × 3000).
MAX_OCR_SIDE = 2500
# What they are shrunk to: A4 at 171 dpi, where 10.5 pt text is 25 px high.
OCR_SIDE = 2000

# Everything Pillow raises for damaged data: truncated streams, bad chunks, bad IFDs.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, struct.error, zlib.error)

_HEADER_PARSERS: dict[str, Callable[[io.BytesIO], Image.Image]] = {
    sniff.PNG: PngImagePlugin.PngImageFile,
    sniff.JPEG: JpegImagePlugin.JpegImageFile,
    sniff.TIFF: TiffImagePlugin.TiffImageFile,
}


def read_image(data: bytes, ctx: ReadContext) -> Document:
    """OCR every page of a PNG, JPEG or TIFF into a Document (empty pages when OCR is off)."""
    _check_pixels(_header_size(data, ctx.media_type), 1, ctx)
    image = _open(data)
    try:
        count = _frame_count(image, ctx)
        # The engine (about 1 s to load) is built only when OCR will run.
        builder = ctx.builder("image+" + get_engine().name if ctx.ocr else "image")
        pages = [_read_frame(image, index, ctx, builder.warn) for index in range(count)]
        emit_pages(builder, pages)
        return builder.build()
    finally:
        image.close()


def _header_size(data: bytes, media_type: str) -> tuple[int, int]:
    """Width and height from the header alone, without Pillow's own decompression-bomb check.

    ``Image.open`` refuses images above its fixed limit without saying how big they are;
    parsing the header with the format's class gives the size to check against ours.
    """
    parser = _HEADER_PARSERS.get(media_type)
    if parser is None:
        raise Refused("unsupported_type", f"{media_type} is not a PNG, JPEG or TIFF image")
    try:
        header = parser(io.BytesIO(data))
    except _DECODE_ERRORS as exc:
        raise Refused("corrupt", f"the image header cannot be read ({exc}); the file may be damaged") from exc
    size = header.size
    header.close()
    return size


def _check_pixels(size: tuple[int, int], number: int, ctx: ReadContext) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise Refused("corrupt", f"page {number} claims an empty {width}×{height} px image")
    limit = ctx.limits.max_image_pixels
    if width * height > limit:
        raise Refused(
            "image_too_large",
            f"page {number} is {width}×{height} px ({width * height / 1e6:.0f} megapixels); "
            f"the limit is {limit / 1e6:.0f} megapixels",
        )


def _open(data: bytes) -> Image.Image:
    try:
        return Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        # Only when the configured limit is above Pillow's own: the header check passed.
        raise Refused("image_too_large", f"the image is too large to decode safely ({exc})") from exc
    except _DECODE_ERRORS as exc:
        raise Refused("corrupt", f"the image cannot be opened ({exc}); it may be damaged") from exc


def _frame_count(image: Image.Image, ctx: ReadContext) -> int:
    try:
        count = int(getattr(image, "n_frames", 1))
    except _DECODE_ERRORS as exc:
        raise Refused("corrupt", f"the image's page directory cannot be read ({exc})") from exc
    if count > ctx.limits.max_pages:
        raise Refused("too_many_pages", f"the image has {count} pages; the limit is {ctx.limits.max_pages}")
    return count


def _read_frame(image: Image.Image, index: int, ctx: ReadContext, warn: Callable[..., None]) -> LayoutPage:
    """One page: decoded, upright, OCR'd, in the upright image's pixel coordinates."""
    number = index + 1
    ctx.deadline.check(f"page {number}")
    try:
        image.seek(index)
    except _DECODE_ERRORS as exc:
        raise Refused("corrupt", f"page {number} of the image cannot be read ({exc})") from exc
    _check_pixels(image.size, number, ctx)
    width, height = _upright_size(image)
    if not ctx.ocr:
        warn("ocr_skipped", f"page {number} is an image and OCR is off: no text was read", number)
        return layout_page(number, [], width, height)
    page = _decode(image, number)
    lines, confidence = _recognise(page, width / page.width)
    return layout_page(number, lines, width, height, ocr=True, ocr_confidence=confidence)


def _upright_size(image: Image.Image) -> tuple[int, int]:
    """Size after EXIF orientation: orientations 5–8 swap width and height."""
    width, height = image.size
    try:
        orientation = image.getexif().get(0x0112, 1)
    except _DECODE_ERRORS:  # unreadable EXIF: exif_transpose will leave the image as it is too
        orientation = 1
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def _upright(image: Image.Image) -> Image.Image:
    """The frame turned by its EXIF orientation; a damaged EXIF block is ignored, not fatal."""
    try:
        return ImageOps.exif_transpose(image)
    except (SyntaxError, ValueError, KeyError, struct.error):
        return image


def _decode(image: Image.Image, number: int) -> Image.Image:
    """Decode one frame, turned upright and shrunk to OCR size; damaged data is ``corrupt``."""
    # JPEG can decode at 1/2, 1/4 or 1/8 scale directly: far less time and memory for photos.
    image.draft(image.mode, _ocr_size(image.size))
    try:
        image.load()
        # ocr_ready first: palette and bilevel images would otherwise be resized without filtering.
        page = ocr_ready(_upright(image))
    except _DECODE_ERRORS as exc:
        raise Refused("corrupt", f"page {number} of the image cannot be decoded ({exc}); "
                                 "it may be truncated or damaged") from exc
    return _shrink(page)


def _ocr_size(size: tuple[int, int]) -> tuple[int, int]:
    """The size a page is OCR'd at: unchanged up to MAX_OCR_SIDE, else OCR_SIDE on the long side."""
    long_side = max(size)
    if long_side <= MAX_OCR_SIDE:
        return size
    scale = OCR_SIDE / long_side
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _shrink(page: Image.Image) -> Image.Image:
    size = _ocr_size(page.size)
    if size == page.size:
        return page
    return page.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _recognise(page: Image.Image, scale: float) -> tuple[list[Line], float | None]:
    """OCR lines scaled back from the shrunk page to the upright original's pixels."""
    lines, confidence = recognize_lines(page)
    if scale != 1.0:
        lines = [
            Line(ln.text, ln.x0 * scale, ln.top * scale, ln.x1 * scale, ln.bottom * scale, ln.size * scale)
            for ln in lines
        ]
    return lines, confidence
