"""Check algorithms for the identifiers in contest documents (``../shared/domain/facts.md`` §2–4).

* unified social credit codes (GB 32100-2015), with the embedded organisation code (GB 11714-1997);
* CNIPA patent application numbers (12 digits + check, or the pre-2003 8 digits + check);
* software-copyright registration numbers and trademark numbers (format only: no check digit is known).

A failed check is reported, never silently dropped: real documents carry typos, and the
eligibility rules send such codes to a person instead of rejecting the entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_PATENT_TYPES = {"1": "invention", "2": "utility", "3": "design", "8": "invention", "9": "utility"}
_SOFTWARE_REGISTRATION = re.compile(r"^(19|20)\d{2}SR\d{6,7}$")


def uscc_check_character(first17: str) -> str:
    """Mod-31 check character: weights 3^(i-1) mod 31, value (31 - S mod 31) mod 31."""
    total = sum(USCC_CHARSET.index(ch) * pow(3, i, 31) for i, ch in enumerate(first17))
    return USCC_CHARSET[(31 - total % 31) % 31]


def org_code_check_character(first8: str) -> str:
    """GB 11714 check: weights 3,7,9,10,5,8,4,2 over values 0–35; 11 - S mod 11, 10 → X, 11 → 0."""
    values = [int(ch, 36) for ch in first8]
    check = 11 - sum(v * w for v, w in zip(values, _ORG_WEIGHTS, strict=True)) % 11
    return {10: "X", 11: "0"}.get(check, str(check))


@dataclass(frozen=True)
class UsccCheck:
    """What is known about a code: its shape, both check characters, and whether it is an enterprise's."""

    code: str
    well_formed: bool
    check_ok: bool
    org_check_ok: bool
    enterprise: bool  # 91…: registered by the market regulator as an enterprise

    @property
    def valid(self) -> bool:
        return self.well_formed and self.check_ok

    @property
    def problem(self) -> str | None:
        if not self.well_formed:
            return "not 18 characters of the USCC alphabet (no I, O, S, V, Z)"
        if not self.check_ok:
            return f"check character should be {uscc_check_character(self.code[:17])}, not {self.code[17]}"
        if not self.org_check_ok:
            return "the embedded organisation code's check character is wrong"
        return None


def normalise_uscc(code: str) -> str:
    return "".join(code.split()).upper()


def check_uscc(code: str) -> UsccCheck:
    code = normalise_uscc(code)
    if not _USCC_SHAPE.match(code):
        return UsccCheck(code, False, False, False, code.startswith("91"))
    org = code[8:17]
    org_ok = org[:8].isalnum() and org_code_check_character(org[:8]) == org[8]
    return UsccCheck(code, True, uscc_check_character(code[:17]) == code[17], org_ok, code.startswith("91"))


def is_valid_uscc(code: str) -> bool:
    return check_uscc(code).valid


def patent_check_character(digits: str) -> str:
    """Weights 2..9 cycling over the digits, the remainder mod 11 itself, 10 → X."""
    remainder = sum(int(d) * (2 + i % 8) for i, d in enumerate(digits)) % 11
    return "X" if remainder == 10 else str(remainder)


@dataclass(frozen=True)
class PatentNumber:
    """A normalised application number, ``201310699744.2`` (or ``95115608.X`` before 2003)."""

    number: str
    year: int
    type: str  # invention | utility | design
    check_ok: bool

    @property
    def digits(self) -> str:
        return self.number.split(".")[0]


def parse_patent_number(raw: str, today: date | None = None) -> PatentNumber | None:
    """Normalise an application or patent (ZL…) number; ``None`` when it cannot be one at all.

    A wrong check character still parses (``check_ok`` False) so the document's claim can be shown.
    """
    text = re.sub(r"[\s.．·•]", "", raw.upper())
    text = re.sub(r"^(ZL|CN)", "", text)
    if len(text) == 13 and text[:12].isdigit() and (text[12].isdigit() or text[12] == "X"):
        digits, check, year, kind = text[:12], text[12], int(text[:4]), text[4]
    elif len(text) == 9 and text[:8].isdigit() and (text[8].isdigit() or text[8] == "X"):
        digits, check, kind = text[:8], text[8], text[2]
        year = 1900 + int(text[:2]) if int(text[:2]) >= 85 else 2000 + int(text[:2])
    else:
        return None
    this_year = (today or date.today()).year
    if kind not in _PATENT_TYPES or not 1985 <= year <= this_year:
        return None
    return PatentNumber(f"{digits}.{check}", year, _PATENT_TYPES[kind], patent_check_character(digits) == check)


def is_software_registration(number: str) -> bool:
    """``2023SR0879891``: year, SR, 6 or 7 digits (no check digit is known)."""
    return bool(_SOFTWARE_REGISTRATION.match(number.upper()))


def is_trademark_number(number: str) -> bool:
    """Trademark registration numbers are purely numeric, up to 9 digits (format only)."""
    return number.isdigit() and 1 <= len(number) <= 9


_SOFTWARE_CERTIFICATE = re.compile(r"^软著登字第(\d{6,8})号$")
_PUBLICATION = re.compile(r"^CN(\d{7}|\d{9})([ABCUYS])(\d?)$")
_PUBLICATION_KINDS = {"A": "application_published", "B": "invention_granted", "C": "invention_partly_invalidated",
                      "U": "utility_granted", "Y": "utility_partly_invalidated", "S": "design_granted"}


def is_software_certificate(number: str) -> bool:
    """``软著登字第0650314号``: 7 digits (older, often a leading zero) or 8 (recent); 6 accepted leniently."""
    return bool(_SOFTWARE_CERTIFICATE.match("".join(number.split())))


@dataclass(frozen=True)
class PublicationNumber:
    """A CNIPA document number (``CN203072526U``): kind code, no check digit, not an application number."""

    number: str
    kind_code: str
    type: str  # invention | utility | design, from the first digit

    @property
    def granted(self) -> bool:
        """B, U and S documents announce a grant (C and Y a partial invalidation of a granted right)."""
        return self.kind_code in "BCUYS"

    @property
    def meaning(self) -> str:
        return _PUBLICATION_KINDS[self.kind_code]


def parse_publication_number(raw: str) -> PublicationNumber | None:
    """Normalise ``CN 203072526 U`` → ``CN203072526U``; None when it is not a CN document number."""
    text = re.sub(r"\s", "", raw.upper())
    match = _PUBLICATION.match(text)
    if match is None or match[1][0] not in "123":
        return None
    return PublicationNumber(text, match[2], _PATENT_TYPES[match[1][0]])
