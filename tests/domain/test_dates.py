import contextlib
import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caravan.domain import PartialDate, parse_date, parse_partial_date
from caravan.errors import InvalidValue


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1985", PartialDate(1985)),
        ("1985-03", PartialDate(1985, 3)),
        ("1985-03-07", PartialDate(1985, 3, 7)),
        ("07.03.1985", PartialDate(1985, 3, 7)),
        ("7.3.1985", PartialDate(1985, 3, 7)),
        ("03.1985", PartialDate(1985, 3)),
        ("07/03/1985", PartialDate(1985, 3, 7)),
        (" 2020-02-29 ", PartialDate(2020, 2, 29)),
        ("2020-02-29T23:10:00", PartialDate(2020, 2, 29)),
        ("2020-02-29T23:10:00+05:00", PartialDate(2020, 2, 29)),
        ("2020-02-29T23:10:00.123Z", PartialDate(2020, 2, 29)),
        ("2020-02-29 23:10", PartialDate(2020, 2, 29)),
        (datetime.date(2021, 5, 6), PartialDate(2021, 5, 6)),
        (datetime.datetime(2021, 5, 6, 7, 8), PartialDate(2021, 5, 6)),
    ],
)
def test_parse_partial_date(value: str | datetime.date, expected: PartialDate) -> None:
    assert parse_partial_date(value) == expected


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("31.02.2020", "impossible date '31.02.2020'"),
        ("29.02.2021", "impossible date '29.02.2021'"),
        ("2020-13", "impossible date '2020-13'"),
        ("13.2020", "impossible date '13.2020'"),
        ("2020-00-10", "impossible date '2020-00-10'"),
        ("1899", "impossible date '1899'"),
        ("3000-01-01", "impossible date '3000-01-01'"),
        ("yesterday", "not a date 'yesterday'"),
        ("1985-03-07-01", "not a date '1985-03-07-01'"),
        ("85", "not a date '85'"),
        ("١٩٨٥", "not a date"),
    ],
)
def test_bad_dates_name_the_value(value: str, problem: str) -> None:
    with pytest.raises(InvalidValue, match=problem):
        parse_partial_date(value)


def test_next_year_allowed_but_not_the_one_after() -> None:
    year = datetime.date.today().year
    assert parse_partial_date(str(year + 1)).year == year + 1
    with pytest.raises(InvalidValue):
        parse_partial_date(str(year + 2))


def test_precision_and_bounds() -> None:
    d = PartialDate(1984, 2)
    assert d.precision == "month"
    assert d.iso() == str(d) == "1984-02"
    assert d.earliest() == datetime.date(1984, 2, 1)
    assert d.latest() == datetime.date(1984, 2, 29)
    y = PartialDate(1985)
    assert (y.precision, y.earliest(), y.latest()) == (
        "year",
        datetime.date(1985, 1, 1),
        datetime.date(1985, 12, 31),
    )
    assert PartialDate(1985, 3, 7).precision == "day"


def test_constructor_validates() -> None:
    with pytest.raises(InvalidValue, match="impossible date"):
        PartialDate(2020, 2, 30)
    with pytest.raises(InvalidValue, match="needs a month"):
        PartialDate(2020, None, 3)


def test_ordering() -> None:
    dates = [PartialDate(1985, 1, 1), PartialDate(1986), PartialDate(1985), PartialDate(1985, 1)]
    assert sorted(dates) == [
        PartialDate(1985),
        PartialDate(1985, 1),
        PartialDate(1985, 1, 1),
        PartialDate(1986),
    ]


def test_parse_date_needs_full_date() -> None:
    assert parse_date("07.03.1985") == datetime.date(1985, 3, 7)
    assert parse_date(datetime.date(1985, 3, 7)) == datetime.date(1985, 3, 7)
    with pytest.raises(InvalidValue, match=r"'1985-03'.*full date"):
        parse_date("1985-03")


_this_year = datetime.date.today().year


@st.composite
def partial_dates(draw: st.DrawFn) -> PartialDate:
    day = draw(st.dates(datetime.date(1900, 1, 1), datetime.date(_this_year + 1, 12, 31)))
    precision = draw(st.sampled_from(["year", "month", "day"]))
    if precision == "year":
        return PartialDate(day.year)
    if precision == "month":
        return PartialDate(day.year, day.month)
    return PartialDate(day.year, day.month, day.day)


@given(partial_dates())
def test_iso_round_trip(d: PartialDate) -> None:
    assert parse_partial_date(d.iso()) == d
    assert d.earliest() <= d.latest()


@given(st.text(max_size=30))
def test_parse_partial_date_never_crashes(value: str) -> None:
    with contextlib.suppress(InvalidValue):
        parse_partial_date(value)
