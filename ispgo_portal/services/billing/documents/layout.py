"""Shared pieces of every document: the font (DejaVu, which has Cyrillic), paragraph styles,
money formatting and the seller's details from the settings."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

from ispgo_portal.settings import get_settings

# Debian's fonts-dejavu-core (scripts/test_services.sh and `make run` install it).
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"),
             Path("/usr/local/share/fonts/dejavu"))
FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"


@lru_cache
def register_fonts() -> None:
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            pdfmetrics.registerFont(TTFont(FONT, str(regular)))
            pdfmetrics.registerFont(TTFont(FONT_BOLD, str(bold)))
            return
    raise RuntimeError("DejaVu fonts not found: install Debian's fonts-dejavu-core "
                       "(apt-get install fonts-dejavu-core)")


@lru_cache
def styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    base = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=11.5)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9),
        "bold": ParagraphStyle("bold", parent=base, fontName=FONT_BOLD),
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=13, leading=16,
                                spaceBefore=6, spaceAfter=6),
        "right": ParagraphStyle("right", parent=base, alignment=2),
        "right_bold": ParagraphStyle("right_bold", parent=base, fontName=FONT_BOLD, alignment=2),
    }


def p(text: str, style: str = "base") -> Paragraph:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Paragraph(escaped.replace("\n", "<br/>"), styles()[style])


def money(kopecks: int) -> str:
    """12345678 -> '123 456,78' (no currency sign: the column header says рубли)."""
    sign = "-" if kopecks < 0 else ""
    rubles, kop = divmod(abs(kopecks), 100)
    return f"{sign}{rubles:,}".replace(",", " ") + f",{kop:02d}"


@dataclass(frozen=True)
class Seller:
    name: str
    inn: str
    kpp: str
    address: str
    bank: str
    bik: str
    account: str
    corr_account: str
    signer: str
    signer_title: str
    vat_percent: int

    @property
    def requisites(self) -> str:
        return f"{self.name}, ИНН {self.inn}, КПП {self.kpp}, {self.address}"


def seller() -> Seller:
    s = get_settings()
    return Seller(name=s.seller_name, inn=s.seller_inn, kpp=s.seller_kpp, address=s.seller_address,
                  bank=s.seller_bank, bik=s.seller_bik, account=s.seller_account,
                  corr_account=s.seller_corr_account, signer=s.seller_signer,
                  signer_title=s.seller_signer_title, vat_percent=s.seller_vat_percent)


def vat_line(total: int, vat_percent: int) -> tuple[str, str]:
    """('Без НДС', '') or ('В том числе НДС 20%', '1 666,67'): VAT included in the price."""
    if vat_percent < 0:
        return "Без НДС", "—"
    vat = (total * vat_percent * 2 + (100 + vat_percent)) // (2 * (100 + vat_percent))  # half-up
    return f"В том числе НДС {vat_percent}%", money(vat)


def grid(rows: Sequence[Sequence[object]], widths: Sequence[float], *, header: bool = True,
         box: bool = True) -> Table:
    table = Table(list(rows), colWidths=list(widths), repeatRows=1 if header else 0)
    commands: list[tuple[object, ...]] = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("FONTSIZE", (0, 0), (-1, -1), 8.5)]
    if box:
        commands.append(("GRID", (0, 0), (-1, -1), 0.5, colors.black))
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f0f0")))
    table.setStyle(TableStyle(commands))
    return table


def build_pdf(story: list[Flowable], *, title: str) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=12 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm, title=title, author=seller().name)
    doc.build(story)
    return buffer.getvalue()


CONTENT_WIDTH = A4[0] - 27 * mm
