"""Phone numbers, identity documents and vehicle plates in national formats.

Mobile prefixes are real ones that libphonenumber accepts as valid for the country, so
that the import's phone normalisation has realistic work to do.
"""

from __future__ import annotations

from collections.abc import Callable

from .common import pick

# country -> (country calling code, mobile prefixes, length of the national number)
PHONE_PLAN: dict[str, tuple[str, tuple[str, ...], int]] = {
    "KZ": ("7", ("700", "701", "702", "705", "707", "708", "747", "771", "775", "777", "778"), 10),
    "RU": (
        "7",
        (
            "903",
            "905",
            "909",
            "912",
            "915",
            "916",
            "917",
            "921",
            "925",
            "926",
            "927",
            "929",
            "937",
            "951",
            "952",
            "960",
            "961",
            "977",
            "985",
            "989",
            "999",
        ),
        10,
    ),
    "KG": (
        "996",
        (
            "500",
            "502",
            "505",
            "550",
            "552",
            "555",
            "557",
            "700",
            "703",
            "705",
            "707",
            "770",
            "772",
            "775",
            "777",
            "220",
            "222",
        ),
        9,
    ),
    "TJ": ("992", ("90", "91", "92", "93", "98", "99", "88", "55", "50", "11", "00", "77"), 9),
    "UZ": ("998", ("90", "91", "93", "94", "95", "97", "98", "99", "88", "33", "50", "77"), 9),
    "TM": ("993", ("61", "62", "63", "64", "65", "66", "67", "71"), 8),
    "AZ": ("994", ("50", "51", "55", "70", "77"), 9),
    "AF": ("93", ("70", "72", "77", "78", "79"), 9),
    "IR": ("98", ("901", "912", "915", "917", "919", "921", "935", "990"), 10),
}

Fmt = Callable[[str], str]

_INTL: dict[str, tuple[Fmt, ...]] = {
    "KZ": (
        lambda n: f"+7 {n[:3]} {n[3:6]} {n[6:8]} {n[8:]}",
        lambda n: f"+7{n}",
        lambda n: f"+7 ({n[:3]}) {n[3:6]}-{n[6:8]}-{n[8:]}",
    ),
    "KG": (lambda n: f"+996 {n[:3]} {n[3:6]} {n[6:]}", lambda n: f"+996{n}"),
    "TJ": (lambda n: f"+992 {n[:2]} {n[2:5]} {n[5:]}", lambda n: f"+992{n}"),
    "UZ": (lambda n: f"+998 {n[:2]} {n[2:5]} {n[5:7]} {n[7:]}", lambda n: f"+998{n}"),
    "TM": (lambda n: f"+993 {n[:2]} {n[2:]}", lambda n: f"+993{n}"),
    "AZ": (lambda n: f"+994 {n[:2]} {n[2:5]} {n[5:7]} {n[7:]}", lambda n: f"+994{n}"),
    "AF": (lambda n: f"+93 {n[:2]} {n[2:5]} {n[5:]}", lambda n: f"+93{n}"),
    "IR": (lambda n: f"+98 {n[:3]} {n[3:6]} {n[6:]}", lambda n: f"+98{n}"),
}
_INTL["RU"] = _INTL["KZ"]

_NATIONAL: dict[str, tuple[Fmt, ...]] = {
    "KZ": (
        lambda n: f"8 ({n[:3]}) {n[3:6]}-{n[6:8]}-{n[8:]}",
        lambda n: f"8{n}",
        lambda n: f"8 {n[:3]} {n[3:6]} {n[6:8]} {n[8:]}",
    ),
    "KG": (lambda n: f"0{n[:3]} {n[3:]}", lambda n: f"0{n}"),
    "TJ": (lambda n: f"{n[:2]} {n[2:5]} {n[5:]}", lambda n: n),
    "UZ": (
        lambda n: f"{n[:2]} {n[2:5]} {n[5:7]} {n[7:]}",
        lambda n: f"({n[:2]}) {n[2:5]}-{n[5:7]}-{n[7:]}",
    ),
    "TM": (lambda n: f"8 {n[:2]} {n[2:]}", lambda n: f"8 ({n[:2]}) {n[2:4]}-{n[4:6]}-{n[6:]}"),
    "AZ": (
        lambda n: f"0{n[:2]} {n[2:5]} {n[5:7]} {n[7:]}",
        lambda n: f"(0{n[:2]}) {n[2:5]}-{n[5:7]}-{n[7:]}",
    ),
    "AF": (lambda n: f"0{n[:2]} {n[2:5]} {n[5:]}",),
    "IR": (lambda n: f"0{n[:3]} {n[3:6]} {n[6:]}",),
}
_NATIONAL["RU"] = _NATIONAL["KZ"]


def new_phone(rnd: Callable[[], float], country: str) -> tuple[str, str]:
    """A random valid mobile number of ``country``: ``(country, national number)``."""
    _, prefixes, length = PHONE_PLAN[country]
    prefix = pick(rnd, prefixes)
    rest = length - len(prefix)
    return country, prefix + str(int(rnd() * 10**rest)).zfill(rest)


def format_phone(rnd: Callable[[], float], phone: tuple[str, str], agency_country: str) -> str:
    """Write a number as an agency of ``agency_country`` would: national style for
    its own numbers (KZ and RU share +7 and the trunk prefix 8), else international."""
    country, nsn = phone
    same = country == agency_country or {country, agency_country} == {"KZ", "RU"}
    if same and rnd() < 0.6:
        return pick(rnd, _NATIONAL[country])(nsn)
    return pick(rnd, _INTL[country])(nsn)


_UZ_SERIES = ("AA", "AB", "AC", "AD", "FA")
_LOOKALIKE = str.maketrans("ABCEHKMOPTX", "АВСЕНКМОРТХ")


def new_document(rnd: Callable[[], float], nationality: str) -> str:
    """A passport-like number in the style of ``nationality``."""
    d7 = str(int(rnd() * 10**7)).zfill(7)
    d8 = str(int(rnd() * 10**8)).zfill(8)
    if nationality == "KZ":
        return "N" + d8
    if nationality == "RU":
        return f"{d7[:2]} {d8[:7]}" if rnd() < 0.7 else f"{d8[:4]} {d7[:6]}"
    if nationality == "KG":
        return ("AC" if rnd() < 0.7 else "ID") + d7
    if nationality == "UZ":
        return pick(rnd, _UZ_SERIES) + d7
    if nationality == "TJ":
        return "A" + d8
    if nationality == "TM":
        return "A" + d7
    if nationality == "AZ":
        return "C" + d8
    if nationality == "IR":
        return "K" + d8
    return "P" + d7  # AF and anything else


def write_document(rnd: Callable[[], float], number: str, cyrillic_agency: bool) -> str:
    """How an agency types a document number: mostly as printed, sometimes with a
    space after the series, and at Cyrillic-keyboard agencies now and then with
    Cyrillic look-alike letters."""
    r = rnd()
    if r < 0.08 and number[:1].isalpha() and " " not in number:
        letters = len(number) - len(number.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        return number[:letters] + " " + number[letters:]
    if cyrillic_agency and r > 0.95:
        return number.translate(_LOOKALIKE)
    return number


_RU_PLATE = "АВЕКМНОРСТУХ"
_RU_PLATE_LAT = str.maketrans("АВЕКМНОРСТУХ", "ABEKMHOPCTYX")
_LAT = "ABCDEFGHKLMNOPRSTUVXYZ"


def new_plate(rnd: Callable[[], float], country: str) -> str:
    """A vehicle registration plate of ``country`` as typed into a report."""

    def d(k: int) -> str:
        return str(int(rnd() * 10**k)).zfill(k)

    def lat(k: int) -> str:
        return "".join(pick(rnd, _LAT) for _ in range(k))

    if country == "RU":
        plate = f"{pick(rnd, _RU_PLATE)}{d(3)}{pick(rnd, _RU_PLATE)}{pick(rnd, _RU_PLATE)} "
        plate += pick(rnd, ("77", "99", "177", "199", "750", "56", "30", "74", "66", "23"))
        return plate.translate(_RU_PLATE_LAT) if rnd() < 0.2 else plate
    if country == "KZ":
        return f"{d(3)} {lat(3)} {pick(rnd, ('01', '02', '05', '13', '17', '08', '10'))}"
    if country == "KG":
        return f"{pick(rnd, ('01', '02', '03', '06', '07', '08'))} {d(3)} {lat(3)}"
    if country == "UZ":
        return f"{pick(rnd, ('01', '10', '30', '40', '70', '75'))} {lat(1)} {d(3)} {lat(2)}"
    if country == "TJ":
        return f"{d(4)} {lat(2)} {pick(rnd, ('01', '02', '03', '04'))}"
    if country == "TM":
        return f"{pick(rnd, ('AG', 'MR', 'LB', 'BN', 'DZ'))} {d(4)}"
    if country == "AZ":
        return f"{pick(rnd, ('10', '90', '77', '99', '37'))}-{lat(2)}-{d(3)}"
    return f"{lat(2)} {d(4)}"
