"""«Плательщики»: the customer's payer profiles — a person, an ООО or an ИП with bank
details — one of them the default. Every function checks the profile belongs to the caller."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import exists, func, update
from sqlmodel import Session, col, select

from ispgo_portal.db import session_scope
from ispgo_portal.models import PAYER_KINDS, ClosingAct, Invoice, PayerProfile, pk
from ispgo_portal.services.billing import requisites
from ispgo_portal.services.billing.ledger import lock_user
from ispgo_portal.services.errors import DomainError, NotFound
from ispgo_portal.services.forms import bounded_text, text_field

MAX_PROFILES = 20
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
COMPANY_KINDS = ("company", "entrepreneur")


@dataclass(frozen=True)
class PayerView:
    id: int
    kind: str
    kind_label: str
    name: str
    inn: str
    kpp: str
    ogrn: str
    legal_address: str
    bank_name: str
    bik: str
    account: str
    corr_account: str
    email: str
    is_default: bool

    @property
    def is_company(self) -> bool:
        return self.kind in COMPANY_KINDS

    @property
    def title(self) -> str:
        return f"{self.name}, ИНН {self.inn}" if self.inn else self.name


def view_of(profile: PayerProfile) -> PayerView:
    return PayerView(id=pk(profile), kind=profile.kind, kind_label=PAYER_KINDS.get(profile.kind, profile.kind),
                     name=profile.name, inn=profile.inn, kpp=profile.kpp, ogrn=profile.ogrn,
                     legal_address=profile.legal_address, bank_name=profile.bank_name, bik=profile.bik,
                     account=profile.account, corr_account=profile.corr_account, email=profile.email,
                     is_default=profile.is_default)


def details_json(profile: PayerProfile) -> str:
    """The buyer's details as printed on a document, frozen at the moment it is issued."""
    return json.dumps(asdict(view_of(profile)), ensure_ascii=False)


def details_from_json(raw: str) -> PayerView:
    return PayerView(**json.loads(raw))


def _email(form: Mapping[str, Any], *, required: bool) -> str:
    email = text_field(form, "email")
    if not email and not required:
        return ""
    if len(email) > 254 or not _EMAIL.match(email):
        raise DomainError("invalid_email", "Укажите email для документов, например buh@studio.ru",
                          field="email")
    return email


def _profile_from_form(form: Mapping[str, Any], *, user_id: int) -> PayerProfile:
    """Every field checked; the first bad one raises with its own Russian message."""
    kind = text_field(form, "kind")
    if kind not in PAYER_KINDS:
        raise DomainError("invalid_kind", "Выберите тип плательщика", field="kind")
    if kind == "person":
        name = bounded_text(form, "name", label="ФИО", max_len=300, min_len=1)
        return PayerProfile(user_id=user_id, kind=kind, name=name, email=_email(form, required=False))
    entrepreneur = kind == "entrepreneur"
    label = "ФИО предпринимателя" if entrepreneur else "Название организации"
    name = bounded_text(form, "name", label=label, max_len=300, min_len=1)
    inn = requisites.check_inn(text_field(form, "inn"), length=12 if entrepreneur else 10)
    kpp = "" if entrepreneur else requisites.check_kpp(text_field(form, "kpp"))
    ogrn = requisites.check_ogrn(text_field(form, "ogrn"), entrepreneur=entrepreneur)
    address = bounded_text(form, "legal_address", label="Юридический адрес", max_len=500,
                           min_len=0 if entrepreneur else 1)
    bank_name = bounded_text(form, "bank_name", label="Название банка", max_len=200, min_len=1)
    bik = requisites.check_bik(text_field(form, "bik"))
    account = requisites.check_account(text_field(form, "account"), bik=bik)
    corr = requisites.check_corr_account(text_field(form, "corr_account"), bik=bik)
    return PayerProfile(user_id=user_id, kind=kind, name=name, inn=inn, kpp=kpp, ogrn=ogrn, legal_address=address,
                        bank_name=bank_name, bik=bik, account=account, corr_account=corr,
                        email=_email(form, required=True))


def create_payer(*, user_id: int, form: Mapping[str, Any]) -> int:
    """Add a profile; the customer's first one becomes the default. Returns its id."""
    profile = _profile_from_form(form, user_id=user_id)
    with session_scope() as session:
        lock_user(session, user_id)  # serialises "first profile is the default" and the cap
        count = session.exec(select(func.count()).select_from(PayerProfile)
                             .where(PayerProfile.user_id == user_id)).one()
        if count >= MAX_PROFILES:
            raise DomainError("too_many_payers", f"Не больше {MAX_PROFILES} плательщиков на кабинет")
        profile.is_default = count == 0
        session.add(profile)
        session.flush()
        return pk(profile)


def list_payers(*, user_id: int) -> list[PayerView]:
    with session_scope() as session:
        rows = session.exec(select(PayerProfile).where(PayerProfile.user_id == user_id)
                            .order_by(col(PayerProfile.id))).all()
        return [view_of(p) for p in rows]


def owned_payer(session: Session, *, user_id: int, payer_id: int) -> PayerProfile:
    profile = session.get(PayerProfile, payer_id) if isinstance(payer_id, int) else None
    if profile is None or profile.user_id != user_id:
        raise NotFound("Плательщик не найден")
    return profile


def set_default_payer(*, user_id: int, payer_id: int) -> None:
    with session_scope() as session:
        lock_user(session, user_id)
        owned_payer(session, user_id=user_id, payer_id=payer_id)
        session.exec(update(PayerProfile).where(col(PayerProfile.user_id) == user_id)
                     .values(is_default=col(PayerProfile.id) == payer_id))


def delete_payer(*, user_id: int, payer_id: int) -> None:
    """A profile named on an invoice or an act stays: the documents refer to it."""
    with session_scope() as session:
        lock_user(session, user_id)
        profile = owned_payer(session, user_id=user_id, payer_id=payer_id)
        used = session.exec(select(
            exists().where(col(Invoice.payer_id) == payer_id)
            | exists().where(col(ClosingAct.payer_id) == payer_id)
        )).one()
        if used:
            raise DomainError("payer_in_use", "На этого плательщика выставлены документы — удалить его нельзя")
        was_default = profile.is_default
        session.delete(profile)
        session.flush()
        if was_default:
            first = session.exec(select(PayerProfile).where(PayerProfile.user_id == user_id)
                                 .order_by(col(PayerProfile.id))).first()
            if first is not None:
                first.is_default = True
                session.add(first)


def default_company(session: Session, *, user_id: int) -> PayerProfile | None:
    """The company the customer's closing documents are made out to: the default profile
    when it is an ООО or ИП."""
    profile = session.exec(select(PayerProfile).where(PayerProfile.user_id == user_id,
                                                      PayerProfile.is_default)).first()
    return profile if profile is not None and profile.kind in COMPANY_KINDS else None
