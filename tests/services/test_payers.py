"""«Плательщики»: profiles are checked field by field, one is the default, and they are private."""

from __future__ import annotations

import pytest

from ispgo_portal.services.billing import payers
from ispgo_portal.services.errors import DomainError
from tests.services.payer_factories import company_form, entrepreneur_form


def test_first_profile_is_the_default_and_a_later_one_can_take_over(make_customer) -> None:
    user = make_customer()
    first = payers.create_payer(user_id=user, form=company_form())
    second = payers.create_payer(user_id=user, form=entrepreneur_form())
    assert [(p.id, p.is_default) for p in payers.list_payers(user_id=user)] == [(first, True), (second, False)]
    payers.set_default_payer(user_id=user, payer_id=second)
    assert [(p.id, p.is_default) for p in payers.list_payers(user_id=user)] == [(first, False), (second, True)]


def test_person_profile_needs_only_a_name(make_customer) -> None:
    user = make_customer()
    payers.create_payer(user_id=user, form={"kind": "person", "name": "Иван Иванов"})
    [view] = payers.list_payers(user_id=user)
    assert view.kind_label == "Физическое лицо" and not view.is_company


@pytest.mark.parametrize(("override", "field"), [
    ({"inn": "7707083894"}, "inn"),
    ({"kpp": "12"}, "kpp"),
    ({"ogrn": "1027700132194"}, "ogrn"),
    ({"bik": "123"}, "bik"),
    ({"account": "40702810000000000000"}, "account"),
    ({"corr_account": "30101810400000000226"}, "corr_account"),
    ({"email": "нет"}, "email"),
    ({"name": ""}, "name"),
    ({"kind": "llc"}, "kind"),
])
def test_bad_field_is_refused_and_nothing_saved(make_customer, override: dict, field: str) -> None:
    user = make_customer()
    with pytest.raises(DomainError) as err:
        payers.create_payer(user_id=user, form=company_form(**override))
    assert err.value.field == field
    assert payers.list_payers(user_id=user) == []


def test_entrepreneur_needs_a_twelve_digit_inn(make_customer) -> None:
    with pytest.raises(DomainError) as err:
        payers.create_payer(user_id=make_customer(), form=entrepreneur_form(inn="7707083893"))
    assert err.value.field == "inn" and "12 цифр" in err.value.message


def test_another_customers_profile_is_not_found(make_customer) -> None:
    owner, other = make_customer(), make_customer()
    payer_id = payers.create_payer(user_id=owner, form=company_form())
    for call in (payers.set_default_payer, payers.delete_payer):
        with pytest.raises(DomainError) as err:
            call(user_id=other, payer_id=payer_id)
        assert err.value.code == "not_found"
    assert len(payers.list_payers(user_id=owner)) == 1


def test_deleting_the_default_makes_the_next_one_default(make_customer) -> None:
    user = make_customer()
    first = payers.create_payer(user_id=user, form=company_form())
    second = payers.create_payer(user_id=user, form=entrepreneur_form())
    payers.delete_payer(user_id=user, payer_id=first)
    assert [(p.id, p.is_default) for p in payers.list_payers(user_id=user)] == [(second, True)]
