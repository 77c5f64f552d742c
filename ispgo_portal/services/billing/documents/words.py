"""Amounts in words, the way Russian invoices print them: «Десять тысяч рублей 00 копеек»."""

from __future__ import annotations

from num2words import num2words
from num2words.lang_RU import Num2Word_RU

_RU = Num2Word_RU()
RUBLES = ("рубль", "рубля", "рублей")
KOPECKS = ("копейка", "копейки", "копеек")


def amount_in_words(kopecks: int) -> str:
    if kopecks < 0:
        raise ValueError("an amount in words is never negative")
    rubles, kop = divmod(kopecks, 100)
    words = num2words(rubles, lang="ru")
    text = f"{words} {_RU.pluralize(rubles, RUBLES)} {kop:02d} {_RU.pluralize(kop, KOPECKS)}"
    return text[0].upper() + text[1:]
