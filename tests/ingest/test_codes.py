"""The identifier check algorithms against every worked example of shared/domain/facts.md (§2–4)."""

from __future__ import annotations

import pytest

from ingest.codes import (
    USCC_CHARSET,
    check_uscc,
    is_software_certificate,
    is_software_registration,
    is_trademark_number,
    org_code_check_character,
    parse_patent_number,
    parse_publication_number,
    patent_check_character,
    uscc_check_character,
)
from ingest.identity import check_character, is_valid_id_number

# §2.3: the worked example and the other real codes that pass
PASSING_USCC = ("91110108551385082Q", "91110000600037341L", "91430111MA4L41YT1U", "91350200MA2YJ1XR9G",
                "91440101MA5CJQ4N59", "9135021359498494XQ", "123502001549897397")


def test_uscc_charset_and_weights_are_the_standard_ones() -> None:
    assert len(USCC_CHARSET) == 31 and not set("IOSVZ") & set(USCC_CHARSET)
    assert [pow(3, i, 31) for i in range(17)] == [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def test_uscc_worked_example_sums_to_999_and_gives_q() -> None:
    weights = [pow(3, i, 31) for i in range(17)]
    assert sum(USCC_CHARSET.index(c) * w for c, w in zip("91110108551385082", weights, strict=True)) == 999
    assert uscc_check_character("91110108551385082") == "Q"


@pytest.mark.parametrize("code", PASSING_USCC)
def test_real_uscc_codes_pass_with_their_embedded_org_code(code: str) -> None:
    check = check_uscc(code)
    assert check.valid and check.well_formed and check.org_check_ok and check.problem is None


def test_whitelisted_anomaly_fails_with_computed_check_9() -> None:
    check = check_uscc("91350203M0001QAY9B")
    assert check.well_formed and not check.check_ok and not check.valid
    assert uscc_check_character("91350203M0001QAY9") == "9"
    assert check.problem == "check character should be 9, not B"


def test_uscc_shape_lower_case_and_enterprise_prefix() -> None:
    assert check_uscc("91110108551385082q").valid  # normalised to upper case
    assert not check_uscc("9111010855138508IQ").well_formed  # I is not in the alphabet
    assert not check_uscc("91110108551385082").well_formed  # 17 characters
    assert check_uscc("91110108551385082Q").enterprise and not check_uscc("123502001549897397").enterprise


@pytest.mark.parametrize(("body", "check"), [("55138508", "2"), ("00251805", "7"), ("00251807", "3"),
                                             ("00251808", "1"), ("00251809", "X")])
def test_org_code_worked_examples(body: str, check: str) -> None:
    assert org_code_check_character(body) == check


def test_org_code_worked_example_sum() -> None:
    assert sum(int(d) * w for d, w in zip("55138508", (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) == 185


def test_patent_worked_examples() -> None:
    weights = [2 + i % 8 for i in range(12)]
    assert sum(int(d) * w for d, w in zip("201310699744", weights, strict=True)) == 233
    assert patent_check_character("201310699744") == "2"
    assert sum(int(d) * w for d, w in zip("95115608", weights, strict=False)) == 186
    assert patent_check_character("95115608") == "X"


@pytest.mark.parametrize(("raw", "number", "kind"), [
    ("ZL 2013 1 0699744.2", "201310699744.2", "invention"), ("201110047567.0", "201110047567.0", "invention"),
    ("201010146372.7", "201010146372.7", "invention"), ("200820132792.8", "200820132792.8", "utility"),
    ("200820009767.0", "200820009767.0", "utility"), ("00814037.5", "00814037.5", "invention"),
    ("01800565.9", "01800565.9", "invention"), ("200510113767.6", "200510113767.6", "invention"),
    ("ZL95115608.X", "95115608.X", "invention"), ("97101765.4", "97101765.4", "invention"),
    ("CN 201310699744．2", "201310699744.2", "invention"),
])
def test_real_patent_numbers_normalise_and_pass(raw: str, number: str, kind: str) -> None:
    parsed = parse_patent_number(raw)
    assert parsed is not None and parsed.number == number and parsed.type == kind and parsed.check_ok


def test_wrong_patent_check_digit_still_parses() -> None:
    parsed = parse_patent_number("201310699744.3")
    assert parsed is not None and not parsed.check_ok and parsed.number == "201310699744.3"


@pytest.mark.parametrize("raw", ["CN1036037A", "CN203072526U", "CN3004470S", "CN1340998A", "CN202310123456A",
                                 "201340699744.2", "198010699744.2"])
def test_publication_numbers_and_impossible_types_are_no_application_numbers(raw: str) -> None:
    assert parse_patent_number(raw) is None  # type 4 and the year 1980 cannot be; kind codes are not check digits


@pytest.mark.parametrize(("raw", "kind_code", "kind", "granted"), [
    ("CN1036037A", "A", "invention", False), ("CN203072526U", "U", "utility", True),
    ("CN3004470S", "S", "design", True), ("cn 1340998 a", "A", "invention", False),
])
def test_publication_numbers(raw: str, kind_code: str, kind: str, granted: bool) -> None:
    parsed = parse_publication_number(raw)
    assert parsed is not None and (parsed.kind_code, parsed.type, parsed.granted) == (kind_code, kind, granted)


def test_glued_application_number_and_kind_code_is_no_publication_number() -> None:
    assert parse_publication_number("CN202310123456A") is None  # the pitfall of §3.3


@pytest.mark.parametrize("number", ["2014SR001852", "2016SR172900", "2021SR1447927", "2023SR0879891",
                                    "2023SR1804554", "2024SR0158542"])
def test_software_registration_numbers(number: str) -> None:
    assert is_software_registration(number)


@pytest.mark.parametrize("number", ["2019R11L885247", "2023SR12345", "1899SR0879891", "2023SR08798911"])
def test_not_software_registration_numbers(number: str) -> None:
    assert not is_software_registration(number)


@pytest.mark.parametrize("number", ["软著登字第0650314号", "软著登字第0671096号", "软著登字第4317518号",
                                    "软著登字第15980140号", "软著登字第16069171号", "软著登字第 0650314 号"])
def test_software_certificate_numbers(number: str) -> None:
    assert is_software_certificate(number)


def test_mixed_certificate_and_registration_is_not_a_certificate_number() -> None:
    assert not is_software_certificate("软著登字第2016SR172900号")


def test_trademark_numbers_are_digits_only() -> None:
    assert is_trademark_number("12345678") and is_trademark_number("123")
    assert not is_trademark_number("1234567890") and not is_trademark_number("12A45678")


@pytest.mark.parametrize("number", ["11010519491231002X", "360426199101010071", "34052419800101001X",
                                    "440524188001010014"])
def test_id_number_check_characters(number: str) -> None:
    assert check_character(number[:17]) == number[17]


def test_id_number_worked_example_sum_and_validity() -> None:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    assert sum(int(d) * w for d, w in zip("11010519491231002", weights, strict=True)) == 167
    assert is_valid_id_number("11010519491231002X") and is_valid_id_number("11010519491231002x")
    assert not is_valid_id_number("110105194912310021")
    assert is_valid_id_number("440524188001010014")  # facts.md's example, born 1880
    assert not is_valid_id_number("44052417900101001X")  # right check character, but born 1790: no real birth date
