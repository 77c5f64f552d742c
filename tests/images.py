"""Small real images (made with Pillow) for attachment tests."""

from __future__ import annotations

import io

FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP", "gif": "GIF"}


def image_bytes(kind: str = "png", *, size: tuple[int, int] = (40, 30), color: str = "#2563eb") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    mode = "P" if kind == "gif" else "RGB"
    Image.new("RGB", size, color).convert(mode).save(buffer, format=FORMATS[kind])
    return buffer.getvalue()


def noisy_png(min_bytes: int) -> bytes:
    """A valid PNG bigger than `min_bytes` (random pixels do not compress)."""
    import os

    from PIL import Image

    side = 64
    while True:
        image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", compress_level=0)
        if buffer.tell() > min_bytes:
            return buffer.getvalue()
        side *= 2
