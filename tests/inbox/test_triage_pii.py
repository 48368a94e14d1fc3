"""Personal-data detection: e-mails, phone numbers, IBAN checksums."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from clairon.inbox import find_pii, iban_is_valid

VALID_IBANS = [
    "FR7630006000011234567890189",
    "DE89370400440532013000",
    "GB29NWBK60161331926819",
    "FR76 3000 6000 0112 3456 7890 189",
]


def _with_checksum(country: str, bban: str) -> str:
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(digits) % 97
    return f"{country}{check:02d}{bban}"


def test_known_ibans() -> None:
    for iban in VALID_IBANS:
        assert iban_is_valid(iban)
        assert [m.kind for m in find_pii(f"virement sur {iban} merci")] == ["iban"]
    assert not iban_is_valid("FR7630006000011234567890188")


@given(
    st.sampled_from(["FR", "DE", "ES", "IT", "BE", "NL"]),
    st.text(alphabet=string.digits + string.ascii_uppercase, min_size=12, max_size=26),
)
def test_iban_checksum_roundtrip(country: str, bban: str) -> None:
    iban = _with_checksum(country, bban)
    assert iban_is_valid(iban)
    check = int(iban[2:4])
    assert not iban_is_valid(f"{iban[:2]}{(check % 97) + 1:02d}{iban[4:]}")


@given(
    st.from_regex(r"[a-z][a-z0-9]{0,10}(\.[a-z0-9]{1,8})?", fullmatch=True),
    st.from_regex(r"[a-z][a-z0-9]{1,10}", fullmatch=True),
    st.sampled_from(["com", "fr", "org", "io"]),
)
def test_email_found_with_span(local: str, domain: str, tld: str) -> None:
    address = f"{local}@{domain}.{tld}"
    text = f"contact: {address} !"
    found = find_pii(text)
    assert [(m.kind, text[m.start : m.end]) for m in found] == [("email", address)]


def test_phone_formats() -> None:
    for number in ["06 12 34 56 78", "0612345678", "+33 6 12 34 56 78", "01.23.45.67.89"]:
        assert [m.kind for m in find_pii(f"appelle {number} stp")] == ["phone"], number
    assert find_pii("j'ai 12 ans et 3 chats") == []
