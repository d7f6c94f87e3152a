"""Product pictures for the demo shop, drawn with Pillow: no network, no stock photos, same bytes every run.

Each picture is a soft gradient in a palette colour, a flat silhouette of what the category sells (a shirt,
a shoe, a tent, a book...) and the product's name. `render_image` is the unit of work a process pool runs:
it writes the original through the default storage, makes the WebP renditions with
`comptoir.catalog.images.make_renditions` (the same files an upload gets) and returns what the
`ProductMedia` row needs. It never touches the database, so it can run in a forked worker.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFont, ImageOps

from comptoir.catalog.images import make_renditions

# 960 px square: the widest configured rendition, so it is written without a resize, and sharp on a retina
# phone. (Pictures wider than the widest rendition would only cost drawing time.)
SIZE = 960
FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
JPEG_QUALITY = 85
# WebP encoder effort for the renditions: the fastest, since a thousand products' pictures must be drawn in
# a minute or so; flat drawings compress well anyway (a 320 px rendition is about 4 KB).
WEBP_METHOD = 0
Box = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class ImageJob:
    """One picture to draw: `name` is its storage name (`products/<product id>/<file>.jpg`)."""

    product_id: int
    position: int
    name: str
    title: str
    shape: str
    background: str  # "#RRGGBB"
    ink: str  # "#RRGGBB", the silhouette
    mirrored: bool = False


@dataclass(frozen=True, slots=True)
class RenderedImage:
    product_id: int
    position: int
    name: str
    width: int
    height: int
    renditions: list[dict]


def render_image(job: ImageJob) -> RenderedImage:
    """Draw the picture, store the original and its renditions; returns the stored names."""
    picture = draw_picture(job)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=False)
    # Storage may rename on a clash; the renditions follow the name the original actually got.
    name = default_storage.save(job.name, ContentFile(buffer.getvalue()))
    renditions = make_renditions(picture, original_name=name, webp_method=WEBP_METHOD)
    return RenderedImage(job.product_id, job.position, name, picture.width, picture.height, renditions)


def draw_picture(job: ImageJob) -> Image.Image:
    background = _hex(job.background)
    top = _mix(background, (255, 255, 255), 0.55)
    bottom = _mix(background, (0, 0, 0), 0.08)
    picture = ImageOps.colorize(_gradient(), black=top, white=bottom).convert("RGB")
    draw = ImageDraw.Draw(picture)
    ink = _hex(job.ink)
    # A soft floor shadow grounds the object so it does not float on the gradient.
    draw.ellipse(_scaled(0.24, 0.69, 0.76, 0.75), fill=_mix(bottom, (0, 0, 0), 0.12))
    painter = SHAPES.get(job.shape, _box)
    painter(draw, _scaled(0.25, 0.183, 0.75, 0.733), ink, _mix(ink, (255, 255, 255), 0.35))
    if job.mirrored:
        picture = ImageOps.mirror(picture)
        draw = ImageDraw.Draw(picture)
    _caption(draw, job.title, _mix(background, (0, 0, 0), 0.7))
    return picture


@functools.cache
def _gradient() -> Image.Image:
    return Image.linear_gradient("L").resize((SIZE, SIZE), Image.Resampling.BILINEAR)


@functools.cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if FONT_PATH.exists():
        return ImageFont.truetype(str(FONT_PATH), size)
    return ImageFont.load_default(size=size)


def _scaled(*fractions: float) -> Box:
    return tuple(f * SIZE for f in fractions)  # type: ignore[return-value]


def _caption(draw: ImageDraw.ImageDraw, title: str, colour: tuple[int, int, int]) -> None:
    """The product name, centred near the bottom, on one or two lines."""
    for size in (round(SIZE * f) for f in (0.053, 0.045, 0.038, 0.033)):
        font = _font(size)
        lines = _wrap(draw, title, font, SIZE * 0.87)
        if len(lines) <= 2:
            break
    lines = lines[:2]
    y = SIZE * (0.825 if len(lines) == 1 else 0.796)
    for line in lines:
        width = draw.textlength(line, font=font)
        draw.text(((SIZE - width) / 2, y), line, font=font, fill=colour)
        y += size * 1.22


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, max_width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and draw.textlength(candidate, font=font) > max_width:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current] if current else lines


def _hex(value: str) -> tuple[int, int, int]:
    value = value.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def _at(box: Box, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Map points given in a 0..1 square onto `box`."""
    x0, y0, x1, y1 = box
    return [(x0 + (x1 - x0) * x, y0 + (y1 - y0) * y) for x, y in points]


def _rect(box: Box, x0: float, y0: float, x1: float, y1: float) -> Box:
    (a, b), (c, d) = _at(box, [(x0, y0), (x1, y1)])
    return a, b, c, d


# --- Silhouettes: each draws into `box` with a main colour and a lighter accent. ---------------------


def _top(draw, box, ink, accent, *, long_sleeves=False):
    sleeve = [(0.0, 0.62), (0.08, 0.7)] if long_sleeves else [(0.02, 0.38), (0.16, 0.46)]
    right = [(1 - x, y) for x, y in reversed(sleeve)]
    body = [(0.35, 0.05), (0.22, 0.1), *sleeve, (0.24, 0.36), (0.24, 0.95), (0.76, 0.95), (0.76, 0.36)]
    body += [*right, (0.78, 0.1), (0.65, 0.05)]
    draw.polygon(_at(box, body), fill=ink)
    draw.arc(_rect(box, 0.36, -0.04, 0.64, 0.16), 0, 180, fill=accent, width=12)


def _sweater(draw, box, ink, accent):
    _top(draw, box, ink, accent, long_sleeves=True)
    draw.rectangle(_rect(box, 0.24, 0.88, 0.76, 0.95), fill=accent)


def _dress(draw, box, ink, accent):
    draw.polygon(
        _at(box, [(0.38, 0.02), (0.62, 0.02), (0.64, 0.34), (0.86, 0.96), (0.14, 0.96), (0.36, 0.34)]), fill=ink
    )
    draw.rectangle(_rect(box, 0.35, 0.32, 0.65, 0.37), fill=accent)


def _trousers(draw, box, ink, accent):
    draw.polygon(
        _at(box, [(0.25, 0.02), (0.75, 0.02), (0.82, 0.98), (0.56, 0.98), (0.5, 0.3), (0.44, 0.98), (0.18, 0.98)]),
        fill=ink,
    )
    draw.rectangle(_rect(box, 0.25, 0.02, 0.75, 0.08), fill=accent)


def _shoe(draw, box, ink, accent):
    draw.polygon(
        _at(box, [(0.05, 0.45), (0.3, 0.42), (0.45, 0.6), (0.9, 0.68), (0.97, 0.8), (0.95, 0.86), (0.05, 0.86)]),
        fill=ink,
    )
    draw.rectangle(_rect(box, 0.05, 0.86, 0.95, 0.92), fill=accent)


def _bag(draw, box, ink, accent):
    draw.arc(_rect(box, 0.3, 0.05, 0.7, 0.55), 180, 360, fill=accent, width=22)
    draw.rounded_rectangle(_rect(box, 0.12, 0.3, 0.88, 0.95), radius=40, fill=ink)


def _pan(draw, box, ink, accent):
    draw.ellipse(_rect(box, 0.02, 0.35, 0.68, 0.85), fill=ink)
    draw.ellipse(_rect(box, 0.08, 0.4, 0.62, 0.78), fill=accent)
    draw.rounded_rectangle(_rect(box, 0.64, 0.55, 0.99, 0.63), radius=14, fill=ink)


def _pot(draw, box, ink, accent):
    draw.rounded_rectangle(_rect(box, 0.0, 0.45, 1.0, 0.55), radius=20, fill=ink)
    draw.rounded_rectangle(_rect(box, 0.1, 0.35, 0.9, 0.92), radius=60, fill=ink)
    draw.ellipse(_rect(box, 0.12, 0.22, 0.88, 0.42), fill=accent)
    draw.ellipse(_rect(box, 0.44, 0.16, 0.56, 0.26), fill=ink)


def _mug(draw, box, ink, accent):
    draw.ellipse(_rect(box, 0.6, 0.35, 0.9, 0.7), outline=ink, width=34)
    draw.rounded_rectangle(_rect(box, 0.15, 0.22, 0.72, 0.92), radius=30, fill=ink)
    draw.rectangle(_rect(box, 0.15, 0.3, 0.72, 0.36), fill=accent)


def _plate(draw, box, ink, accent):
    draw.ellipse(_rect(box, 0.02, 0.2, 0.98, 0.95), fill=ink)
    draw.ellipse(_rect(box, 0.2, 0.36, 0.8, 0.8), fill=accent)


def _pillow(draw, box, ink, accent):
    draw.rounded_rectangle(_rect(box, 0.02, 0.3, 0.98, 0.9), radius=80, fill=ink)
    draw.line(_at(box, [(0.1, 0.6), (0.9, 0.6)]), fill=accent, width=10)


def _lamp(draw, box, ink, accent):
    draw.polygon(_at(box, [(0.3, 0.05), (0.7, 0.05), (0.88, 0.45), (0.12, 0.45)]), fill=accent)
    draw.rectangle(_rect(box, 0.47, 0.45, 0.53, 0.88), fill=ink)
    draw.ellipse(_rect(box, 0.28, 0.84, 0.72, 0.96), fill=ink)


def _vase(draw, box, ink, accent):
    draw.ellipse(_rect(box, 0.18, 0.3, 0.82, 0.96), fill=ink)
    draw.rectangle(_rect(box, 0.38, 0.05, 0.62, 0.45), fill=ink)
    draw.rectangle(_rect(box, 0.34, 0.03, 0.66, 0.09), fill=accent)


def _tent(draw, box, ink, accent):
    draw.polygon(_at(box, [(0.5, 0.08), (0.98, 0.92), (0.02, 0.92)]), fill=ink)
    draw.polygon(_at(box, [(0.5, 0.4), (0.64, 0.92), (0.36, 0.92)]), fill=accent)


def _backpack(draw, box, ink, accent):
    draw.arc(_rect(box, 0.36, 0.0, 0.64, 0.2), 180, 360, fill=ink, width=18)
    draw.rounded_rectangle(_rect(box, 0.18, 0.1, 0.82, 0.96), radius=90, fill=ink)
    draw.rounded_rectangle(_rect(box, 0.3, 0.55, 0.7, 0.88), radius=30, fill=accent)


def _sleeping_bag(draw, box, ink, accent):
    draw.rounded_rectangle(_rect(box, 0.22, 0.02, 0.78, 0.98), radius=120, fill=ink)
    draw.ellipse(_rect(box, 0.32, 0.06, 0.68, 0.3), fill=accent)


def _headphones(draw, box, ink, accent):
    draw.arc(_rect(box, 0.12, 0.05, 0.88, 0.85), 180, 360, fill=ink, width=40)
    draw.rounded_rectangle(_rect(box, 0.06, 0.42, 0.26, 0.8), radius=30, fill=ink)
    draw.rounded_rectangle(_rect(box, 0.74, 0.42, 0.94, 0.8), radius=30, fill=ink)
    draw.rounded_rectangle(_rect(box, 0.12, 0.5, 0.2, 0.72), radius=12, fill=accent)


def _speaker(draw, box, ink, accent):
    draw.rounded_rectangle(_rect(box, 0.2, 0.05, 0.8, 0.95), radius=40, fill=ink)
    draw.ellipse(_rect(box, 0.33, 0.45, 0.67, 0.85), fill=accent)
    draw.ellipse(_rect(box, 0.42, 0.15, 0.58, 0.31), fill=accent)


def _phone(draw, box, ink, accent):
    draw.rounded_rectangle(_rect(box, 0.28, 0.02, 0.72, 0.98), radius=50, fill=ink)
    draw.rounded_rectangle(_rect(box, 0.32, 0.08, 0.68, 0.9), radius=20, fill=accent)


def _book(draw, box, ink, accent):
    draw.rectangle(_rect(box, 0.2, 0.03, 0.8, 0.97), fill=ink)
    draw.rectangle(_rect(box, 0.2, 0.03, 0.27, 0.97), fill=accent)
    draw.rectangle(_rect(box, 0.36, 0.2, 0.72, 0.26), fill=accent)


def _ticket(draw, box, ink, accent):
    draw.rounded_rectangle(_rect(box, 0.02, 0.25, 0.98, 0.75), radius=30, fill=ink)
    draw.ellipse(_rect(box, -0.05, 0.42, 0.08, 0.58), fill=accent)
    draw.ellipse(_rect(box, 0.92, 0.42, 1.05, 0.58), fill=accent)
    draw.line(_at(box, [(0.7, 0.3), (0.7, 0.7)]), fill=accent, width=8)


def _card(draw, box, ink, accent):
    draw.rounded_rectangle(_rect(box, 0.02, 0.22, 0.98, 0.8), radius=40, fill=ink)
    draw.rectangle(_rect(box, 0.02, 0.36, 0.98, 0.44), fill=accent)
    draw.rectangle(_rect(box, 0.6, 0.22, 0.66, 0.8), fill=accent)


def _jar(draw, box, ink, accent):
    draw.rounded_rectangle(_rect(box, 0.22, 0.2, 0.78, 0.96), radius=50, fill=ink)
    draw.rectangle(_rect(box, 0.28, 0.06, 0.72, 0.2), fill=accent)
    draw.rectangle(_rect(box, 0.3, 0.45, 0.7, 0.72), fill=accent)


def _tool(draw, box, ink, accent):
    draw.rounded_rectangle(_rect(box, 0.44, 0.02, 0.56, 0.6), radius=16, fill=accent)
    draw.rounded_rectangle(_rect(box, 0.38, 0.58, 0.62, 0.98), radius=30, fill=ink)


def _box(draw, box, ink, accent):
    draw.rectangle(_rect(box, 0.1, 0.25, 0.9, 0.95), fill=ink)
    draw.rectangle(_rect(box, 0.45, 0.25, 0.55, 0.95), fill=accent)


SHAPES = {
    "top": _top,
    "sweater": _sweater,
    "dress": _dress,
    "trousers": _trousers,
    "shoe": _shoe,
    "bag": _bag,
    "pan": _pan,
    "pot": _pot,
    "mug": _mug,
    "plate": _plate,
    "pillow": _pillow,
    "lamp": _lamp,
    "vase": _vase,
    "tent": _tent,
    "backpack": _backpack,
    "sleeping_bag": _sleeping_bag,
    "headphones": _headphones,
    "speaker": _speaker,
    "phone": _phone,
    "book": _book,
    "ticket": _ticket,
    "card": _card,
    "jar": _jar,
    "tool": _tool,
    "box": _box,
}
