"""Demo agencies and users: the centre plus two or three agencies per member state.

Everything here is fictional demo data; the e-mail addresses use the reserved
``.example`` top-level domain.
"""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "caravan-demo-2026"  # noqa: S105 - demo data only, documented as such

MEMBER_STATES: tuple[str, ...] = ("KZ", "KG", "TJ", "TM", "UZ", "RU", "AZ")
"""ISO alpha-2 codes of the seven member states, in the centre's customary order."""

AGENCY_TYPES: tuple[str, ...] = (
    "police",
    "drug_control",
    "customs",
    "border",
    "security_service",
    "centre",
)
ROLES: tuple[str, ...] = ("officer", "analyst", "supervisor", "administrator")


@dataclass(frozen=True)
class AgencySpec:
    """One agency of the demo region."""

    code: str
    country: str
    name_en: str
    name_ru: str
    type: str
    contact: str


@dataclass(frozen=True)
class UserSpec:
    """One demo user account; every demo user has the password ``DEMO_PASSWORD``."""

    username: str
    agency: str
    role: str
    display_name: str


def _agency(code: str, country: str, type_: str, name_en: str, name_ru: str) -> AgencySpec:
    return AgencySpec(
        code=code,
        country=country,
        name_en=name_en,
        name_ru=name_ru,
        type=type_,
        contact=f"liaison@{code.lower()}.example",
    )


_AGENCIES: tuple[AgencySpec, ...] = (
    _agency(
        "CARICC",
        "KZ",
        "centre",
        "Central Asian Regional Information and Coordination Centre",
        "Центрально-Азиатский региональный информационный координационный центр",
    ),
    _agency(
        "KZ-MVD",
        "KZ",
        "police",
        "Ministry of Internal Affairs of the Republic of Kazakhstan, Anti-Drug Department",
        "Департамент по борьбе с наркопреступностью МВД Республики Казахстан",
    ),
    _agency(
        "KZ-KNB",
        "KZ",
        "security_service",
        "National Security Committee of the Republic of Kazakhstan, Border Service",
        "Пограничная служба Комитета национальной безопасности Республики Казахстан",
    ),
    _agency(
        "KZ-KGD",
        "KZ",
        "customs",
        "State Revenue Committee of the Ministry of Finance of Kazakhstan (Customs)",
        "Комитет государственных доходов Министерства финансов Республики Казахстан",
    ),
    _agency(
        "KG-MVD",
        "KG",
        "police",
        "Ministry of Internal Affairs of the Kyrgyz Republic, Drug Control Service",
        "Служба по борьбе с наркопреступностью МВД Кыргызской Республики",
    ),
    _agency(
        "KG-SBNON",
        "KG",
        "drug_control",
        "Service for Combating Illicit Drug Trafficking of the Kyrgyz Republic",
        "Служба по борьбе с незаконным оборотом наркотиков Кыргызской Республики",
    ),
    _agency(
        "KG-GTS",
        "KG",
        "customs",
        "State Customs Service of the Kyrgyz Republic",
        "Государственная таможенная служба Кыргызской Республики",
    ),
    _agency(
        "TJ-AKN",
        "TJ",
        "drug_control",
        "Drug Control Agency under the President of the Republic of Tajikistan",
        "Агентство по контролю за наркотиками при Президенте Республики Таджикистан",
    ),
    _agency(
        "TJ-MVD",
        "TJ",
        "police",
        "Ministry of Internal Affairs of the Republic of Tajikistan",
        "Министерство внутренних дел Республики Таджикистан",
    ),
    _agency(
        "TJ-PV",
        "TJ",
        "border",
        "Border Troops of the State Committee for National Security of Tajikistan",
        "Пограничные войска ГКНБ Республики Таджикистан",
    ),
    _agency(
        "TM-MVD",
        "TM",
        "police",
        "Ministry of Internal Affairs of Turkmenistan",
        "Министерство внутренних дел Туркменистана",
    ),
    _agency(
        "TM-GTS",
        "TM",
        "customs",
        "State Customs Service of Turkmenistan",
        "Государственная таможенная служба Туркменистана",
    ),
    _agency(
        "UZ-MVD",
        "UZ",
        "police",
        "Ministry of Internal Affairs of the Republic of Uzbekistan",
        "Министерство внутренних дел Республики Узбекистан",
    ),
    _agency(
        "UZ-NCDC",
        "UZ",
        "drug_control",
        "National Information and Analytical Centre on Drug Control of Uzbekistan",
        "Национальный информационно-аналитический центр по контролю за наркотиками",
    ),
    _agency(
        "UZ-GTK",
        "UZ",
        "customs",
        "Customs Committee of the Republic of Uzbekistan",
        "Таможенный комитет Республики Узбекистан",
    ),
    _agency(
        "RU-MVD",
        "RU",
        "police",
        "Ministry of Internal Affairs of the Russian Federation, Drug Control Department",
        "Главное управление по контролю за оборотом наркотиков МВД России",
    ),
    _agency(
        "RU-FTS",
        "RU",
        "customs",
        "Federal Customs Service of the Russian Federation",
        "Федеральная таможенная служба Российской Федерации",
    ),
    _agency(
        "RU-FSB",
        "RU",
        "security_service",
        "Federal Security Service of the Russian Federation, Border Service",
        "Пограничная служба ФСБ России",
    ),
    _agency(
        "AZ-DGK",
        "AZ",
        "customs",
        "State Customs Committee of the Republic of Azerbaijan",
        "Государственный таможенный комитет Азербайджанской Республики",
    ),
    _agency(
        "AZ-MVD",
        "AZ",
        "police",
        "Ministry of Internal Affairs of Azerbaijan, Main Drug Control Department",
        "Главное управление по борьбе с наркотиками МВД Азербайджанской Республики",
    ),
    _agency(
        "AZ-DSX",
        "AZ",
        "border",
        "State Border Service of the Republic of Azerbaijan",
        "Государственная пограничная служба Азербайджанской Республики",
    ),
)

AGENCIES_BY_CODE: dict[str, AgencySpec] = {a.code: a for a in _AGENCIES}


def demo_agencies() -> list[AgencySpec]:
    """The centre (first) and the national agencies of the seven member states."""
    return list(_AGENCIES)


_NAMES_BY_COUNTRY: dict[str, tuple[str, str, str, str]] = {
    # officer, analyst, supervisor, administrator display names per country
    "KZ": ("Ерлан Сериков", "Айгуль Нурланова", "Бауыржан Касымов", "Данияр Ахметов"),
    "KG": ("Азамат Осмонов", "Бермет Жапарова", "Бакыт Кадыров", "Тилек Эсенов"),
    "TJ": ("Фирдавс Раҳимов", "Нигина Саидова", "Далер Шарипов", "Комрон Назаров"),
    "TM": ("Serdar Orazow", "Jeren Annaýewa", "Batyr Gurbanow", "Merdan Ataýew"),
    "UZ": ("Sardor Karimov", "Dilnoza Yusupova", "Otabek Toshmatov", "Jasur Ergashev"),
    "RU": ("Андрей Смирнов", "Ольга Кузнецова", "Игорь Волков", "Павел Морозов"),
    "AZ": ("Elvin Məmmədov", "Aynur Əliyeva", "Rəşad Hüseynov", "Tural Quliyev"),
}

_CENTRE_USERS: tuple[UserSpec, ...] = (
    UserSpec("caricc.officer", "CARICC", "officer", "Nurlan Abenov (liaison officer)"),
    UserSpec("caricc.analyst", "CARICC", "analyst", "Madina Saidova (analyst)"),
    UserSpec("caricc.analyst2", "CARICC", "analyst", "Sergey Petrov (analyst)"),
    UserSpec("caricc.supervisor", "CARICC", "supervisor", "Bakhtiyor Yusupov (supervisor)"),
    UserSpec("caricc.admin", "CARICC", "administrator", "Anna Ivanova (administrator)"),
)


def demo_users() -> list[UserSpec]:
    """Demo accounts: every role at the centre, and an officer, an analyst and a
    supervisor at the lead agency of each member state (plus one officer at every
    other agency so that each agency can file records)."""
    users = list(_CENTRE_USERS)
    seen_country: set[str] = set()
    for agency in _AGENCIES:
        if agency.type == "centre":
            continue
        prefix = agency.code.lower().replace("-", ".")
        names = _NAMES_BY_COUNTRY[agency.country]
        if agency.country not in seen_country:
            seen_country.add(agency.country)
            country = agency.country.lower()
            users.append(UserSpec(f"{country}.officer", agency.code, "officer", names[0]))
            users.append(UserSpec(f"{country}.analyst", agency.code, "analyst", names[1]))
            users.append(UserSpec(f"{country}.supervisor", agency.code, "supervisor", names[2]))
        else:
            users.append(UserSpec(f"{prefix}.officer", agency.code, "officer", names[3]))
    return users
