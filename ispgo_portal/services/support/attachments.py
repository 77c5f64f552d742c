"""Ticket screenshots: checked by content, stored privately under random names.

Files never land in a public folder: they live in `<DATA_DIR>/attachments/` under a random
name and are served only through the authenticated attachment route, which asks
`attachment_for_viewer` whether the caller may see them.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import unicodedata
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from ispgo_portal.db import session_scope
from ispgo_portal.limits import SCREENSHOT_BYTES_MAX, SCREENSHOTS_MAX
from ispgo_portal.models import Ticket, TicketAttachment, User
from ispgo_portal.services.errors import DomainError, NotFound
from ispgo_portal.services.guard import is_admin_with_second_factor
from ispgo_portal.settings import get_settings

MAX_FILES = SCREENSHOTS_MAX
MAX_FILE_BYTES = SCREENSHOT_BYTES_MAX
# Decoding is not needed to serve a screenshot; the pixel cap only guards Pillow's parser.
MAX_PIXELS = 40_000_000

# content type -> (extension, Pillow format name)
IMAGE_TYPES = {
    "image/png": ("png", "PNG"),
    "image/jpeg": ("jpg", "JPEG"),
    "image/webp": ("webp", "WEBP"),
    "image/gif": ("gif", "GIF"),
}
FIELD = "files"


@dataclass(frozen=True)
class IncomingFile:
    """An uploaded file as the browser sent it: its claimed name and at most MAX_FILE_BYTES + 1
    bytes (enough to tell that it is too big without holding a huge upload in memory).
    `data` is None when the upload could not be read at all."""

    filename: str
    data: bytes | None


@dataclass(frozen=True)
class CheckedImage:
    filename: str
    content_type: str
    extension: str
    data: bytes


@dataclass(frozen=True)
class StoredAttachment:
    path: Path
    content_type: str
    filename: str
    size: int


def attachments_dir() -> Path:
    """ATTACHMENTS_DIR when set: every portal process must see the same files, so several
    machines share one folder; otherwise beside the database in DATA_DIR."""
    settings = get_settings()
    return settings.attachments_dir or settings.data_dir / "attachments"


def sniff_image_type(data: bytes) -> str:
    """The image type given by the file's first bytes, or "" for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return ""


def _pillow_agrees(data: bytes, expected_format: str) -> bool:
    """A full structural check: a file that only starts like an image is refused."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format != expected_format:
                    return False
                width, height = image.size
                if width < 1 or height < 1 or width * height > MAX_PIXELS:
                    return False
                image.verify()
    except Exception:
        return False
    return True


def safe_filename(name: str, extension: str, index: int) -> str:
    """A display name made only of harmless characters, ending in the real extension."""
    base = unicodedata.normalize("NFKC", name if isinstance(name, str) else "")
    base = re.split(r"[\\/]", base)[-1]
    base = base.rsplit(".", 1)[0] if "." in base else base
    base = re.sub(r"[^\w\-. ]+", "", base, flags=re.UNICODE).strip(" .")[:80]
    return f"{base or f'screenshot-{index}'}.{extension}"


def check_images(files: Sequence[IncomingFile]) -> list[CheckedImage]:
    """Validate every file (count, emptiness, size, type by content) before anything is saved."""
    if len(files) > MAX_FILES:
        raise DomainError("too_many_files", f"Можно приложить не больше {MAX_FILES} скриншотов", field=FIELD)
    checked: list[CheckedImage] = []
    for index, incoming in enumerate(files, start=1):
        if not isinstance(incoming, IncomingFile) or not isinstance(incoming.data, bytes):
            raise DomainError("bad_file", "Не удалось прочитать файл, выберите его ещё раз", field=FIELD)
        shown = safe_filename(incoming.filename, "", index).rstrip(".")
        if not incoming.data:
            raise DomainError("empty_file", f"Файл «{shown}» пустой", field=FIELD)
        if len(incoming.data) > MAX_FILE_BYTES:
            raise DomainError("file_too_large", f"Файл «{shown}» больше 5 МБ", field=FIELD)
        content_type = sniff_image_type(incoming.data)
        if not content_type or not _pillow_agrees(incoming.data, IMAGE_TYPES[content_type][1]):
            raise DomainError(
                "bad_file_type", f"Файл «{shown}» не является изображением PNG, JPEG, WebP или GIF",
                field=FIELD,
            )
        extension = IMAGE_TYPES[content_type][0]
        checked.append(CheckedImage(safe_filename(incoming.filename, extension, index), content_type,
                                    extension, incoming.data))
    return checked


def save_images(session: Session, *, ticket_id: int, message_id: int, images: Sequence[CheckedImage],
                written: list[Path]) -> None:
    """Write the files under random names and record them in `session`.

    Paths written are appended to `written` so the caller can remove them if its
    transaction does not commit (the database and the folder stay consistent)."""
    if not images:
        return
    folder = attachments_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for image in images:
        storage_name = f"{secrets.token_hex(16)}.{image.extension}"
        path = folder / storage_name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        written.append(path)
        with os.fdopen(fd, "wb") as out:
            out.write(image.data)
        session.add(TicketAttachment(
            ticket_id=ticket_id, message_id=message_id, filename=image.filename,
            content_type=image.content_type, size=len(image.data), storage_name=storage_name,
        ))
    session.flush()


def discard_files(paths: Sequence[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def attachment_for_viewer(*, attachment_id: int, viewer_id: int) -> StoredAttachment:
    """The stored file, if the viewer owns the ticket or is an admin; NotFound otherwise
    (the same answer as for an attachment that does not exist)."""
    with session_scope() as session:
        attachment = session.get(TicketAttachment, attachment_id) if attachment_id > 0 else None
        viewer = session.get(User, viewer_id) if viewer_id > 0 else None
        if attachment is None or viewer is None or viewer.is_blocked:
            raise NotFound()
        ticket = session.get(Ticket, attachment.ticket_id)
        if ticket is None or (ticket.user_id != viewer.id
                               and not is_admin_with_second_factor(session, viewer)):
            raise NotFound()
        name = attachment.storage_name
        stored = StoredAttachment(attachments_dir() / name, attachment.content_type,
                                  attachment.filename, attachment.size)
    # storage names are ours (hex + extension); the check keeps a tampered row from escaping the folder
    if not re.fullmatch(r"[0-9a-f]{32}\.(png|jpg|webp|gif)", name) or not stored.path.is_file():
        raise NotFound()
    return stored
