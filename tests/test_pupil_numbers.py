"""The 学籍号 functions (forms/pupil_numbers.py): the three national kinds, check digit by python-stdnum."""
from datetime import date

import pytest
from stdnum.cn import ric

from forms import pupil_numbers as pn

# A published example of a valid resident ID number (python-stdnum's own doctest).
REAL_ID = "360426199101010071"


def test_a_g_number_is_g_and_a_valid_id_number():
    p = pn.parse("G" + REAL_ID)
    assert (p.number, p.kind, p.area, p.birth_date, p.body) == ("G" + REAL_ID, "G", "360426", date(1991, 1, 1), REAL_ID)


@pytest.mark.parametrize("kind", pn.KINDS)
def test_make_gives_a_number_that_parses_back_for_each_kind(kind):
    no = pn.make(kind, "522601", date(2012, 3, 15), 7)
    assert no[:1] == kind and len(no) == 19 and no[1:18] == "52260120120315007"
    assert ric.calc_check_digit(no[1:]) == no[-1]  # the library's MOD 11-2 digit, not ours
    p = pn.parse(no)
    assert (p.kind, p.area, p.birth_date) == (kind, "522601", date(2012, 3, 15))


def test_the_check_digit_may_be_x():
    # 17 digits whose MOD 11-2 check is 10, written X
    nos = [pn.make("G", "522601", date(2012, 1, 1), s) for s in range(200)]
    with_x = [n for n in nos if n.endswith("X")]
    assert with_x and all(pn.is_valid(n) for n in with_x)
    assert not pn.is_valid(with_x[0][:-1] + "0")


@pytest.mark.parametrize("value, why", [
    ("", "G, L or J followed by 18"),
    ("G" + REAL_ID[:-1], "G, L or J followed by 18"),              # too short
    ("K" + REAL_ID, "G, L or J followed by 18"),                    # not a kind
    ("g" + REAL_ID, "G, L or J followed by 18"),                    # stored form is upper case
    ("G36042619910101007Y", "check character"),
    ("G3604261991010A0071", "17 digits"),
    ("G360426199101010072", "check digit"),                          # one digit off
    ("L360426199101010070", "check digit"),
    ("J522601201203150071", "check digit"),
])
def test_bad_numbers_say_what_is_wrong(value, why):
    with pytest.raises(pn.InvalidNumber) as e:
        pn.parse(value)
    assert why in str(e.value) and " / " in str(e.value)  # Chinese / English
    assert not pn.is_valid(value)


def test_a_number_whose_date_does_not_exist_is_refused():
    body17 = "52260120111301001"  # month 13
    no = "G" + body17 + ric.calc_check_digit(body17 + "0")
    with pytest.raises(pn.InvalidNumber, match="not a date"):
        pn.parse(no)


def test_normalise_reads_a_typed_number():
    assert pn.normalise(" g3604 2619910101007x ") == "G36042619910101007X"
    assert pn.normalise(None) == ""


def test_make_refuses_what_cannot_be_a_number():
    for args in (("X", "522601", date(2012, 1, 1), 1), ("G", "5226", date(2012, 1, 1), 1),
                 ("G", "522601", date(2012, 1, 1), 1000)):
        with pytest.raises(ValueError):
            pn.make(*args)


def test_warnings_birth_date_and_unknown_area():
    p = pn.parse(pn.make("G", "522601", date(2012, 3, 15), 1))
    assert pn.warnings(p, date(2012, 3, 15)) == {}
    w = pn.warnings(p, date(2012, 3, 16))
    assert list(w) == ["birth_date"] and "2012-03-15" in w["birth_date"]
    unknown = pn.parse(pn.make("J", "999999", date(2012, 3, 15), 1))  # no such area
    assert list(pn.warnings(unknown, date(2012, 3, 15))) == ["student_no"]
    prefecture_only = pn.parse(pn.make("G", "522602", date(2012, 3, 15), 1))  # stdnum knows only 黔东南州
    assert "area code 522602" in pn.warnings(prefecture_only, None)["student_no"]
