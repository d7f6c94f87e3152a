"""Product images: responsive WebP renditions made once, when an image is added.

The original is kept as uploaded; each width in settings.COMPTOIR["IMAGE_WIDTHS"] (never wider than the
original) gets a WebP beside it. Pages use the renditions in `srcset` with explicit width and height, so
the browser reserves the space and picks the smallest file that is sharp on the buyer's screen.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps, UnidentifiedImageError

from comptoir.catalog.errors import InvalidImageError

MAX_UPLOAD_PIXELS = 40_000_000  # refuse decompression bombs well before Pillow's own limit
WEBP_QUALITY = 80
WEBP_METHOD = 4  # encoder effort, 0 (fast) to 6 (smallest files); 4 is Pillow's default


@dataclass(frozen=True, slots=True)
class ImageInfo:
    url: str
    srcset: str
    width: int
    height: int
    alt: str

    @property
    def sizes(self) -> str:
        return "(max-width: 640px) 100vw, 50vw"


def image_info(media) -> ImageInfo:
    """URLs for a ProductMedia row; falls back to the original when it has no renditions."""
    renditions = media.renditions or []
    if renditions:
        default = renditions[min(1, len(renditions) - 1)]
        url = default_storage.url(default["name"])
        srcset = ", ".join(f"{default_storage.url(r['name'])} {r['width']}w" for r in renditions)
        width, height = default["width"], default["height"]
    else:
        url = media.image.url if media.image else ""
        srcset = ""
        width, height = media.width, media.height
    return ImageInfo(url=url, srcset=srcset, width=width, height=height, alt=media.alt)


def open_checked(data: bytes) -> Image.Image:
    """Open uploaded bytes as an image, refusing what is not one or is absurdly large."""
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_UPLOAD_PIXELS:
            raise InvalidImageError(detail=f"The image is too large ({image.width} x {image.height} pixels).")
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise InvalidImageError(detail="The file is not an image we can read (JPEG, PNG, WebP, GIF).") from exc
    return ImageOps.exif_transpose(image)


def make_renditions(image: Image.Image, *, original_name: str, webp_method: int = WEBP_METHOD) -> list[dict]:
    """Write one WebP per configured width; returns the `renditions` list for ProductMedia.

    `webp_method` trades file size for encoding time; bulk loaders (the demo) pass a lower one.
    """
    stem = PurePosixPath(original_name)
    configured = settings.COMPTOIR["IMAGE_WIDTHS"]
    # Never upscale: the widths narrower than the original, plus the original's own (capped at the widest).
    widths = sorted({w for w in configured if w < image.width} | {min(image.width, max(configured))})
    rgb = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
    renditions = []
    for width in widths:
        height = max(1, round(image.height * width / image.width))
        resized = rgb if width == image.width else rgb.resize((width, height), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        resized.save(buffer, "WEBP", quality=WEBP_QUALITY, method=webp_method)
        name = default_storage.save(f"{stem.parent}/{stem.stem}-{width}w.webp", ContentFile(buffer.getvalue()))
        renditions.append({"width": width, "height": height, "name": name})
    return renditions
