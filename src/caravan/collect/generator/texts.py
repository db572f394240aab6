"""Short free texts in Russian and English: seizure notes and intelligence reports.

Reports describe methods, routes and networks; they never identify a human source
(at most "a source" with its grade, which is a separate field anyway).
"""

from __future__ import annotations

from collections.abc import Callable

from .common import pick

_NOTE_RU: dict[str, tuple[str, ...]] = {
    "vehicle_hidden_compartment": (
        "Обнаружено в специально оборудованном тайнике автомобиля, водитель задержан.",
        "Тайник под днищем грузовика, выявлен при досмотре с применением служебной собаки.",
        "Свёртки в полости порогов легкового автомобиля.",
    ),
    "vehicle_fuel_tank": ("Упаковки в топливном баке, бак имел двойную стенку.",),
    "cargo": (
        "Среди партии сельхозпродукции (лук, морковь), по документам — транзит.",
        "В грузе строительных материалов, выявлено по результатам ИДК.",
        "В контейнере с текстилем, получатель — фирма-однодневка.",
    ),
    "luggage": ("В двойном дне чемодана.", "В личных вещах пассажира, в сумке."),
    "body_internal": ("Курьер перевозил капсулы в желудке, доставлен в медучреждение.",),
    "body_worn": ("Закреплено на теле под одеждой.", "В нательном поясе курьера."),
    "post_parcel": (
        "Почтовое отправление, задекларировано как одежда.",
        "Международная посылка, контролируемая поставка не проводилась.",
    ),
    "drop_point": (
        "Тайник-закладка, адрес получен из переписки в мессенджере.",
        "Изъято при задержании «закладчика», при нём фасовка и изолента.",
        "Закладка у основания дерева, координаты найдены в телефоне задержанного.",
    ),
    "other": (
        "Изъято в ходе обыска по месту жительства.",
        "Выявлено в ходе ОРМ, материалы переданы в следствие.",
    ),
}
_NOTE_EN: dict[str, tuple[str, ...]] = {
    "vehicle_hidden_compartment": (
        "Found in a purpose-built hidden compartment; driver detained.",
        "Concealed under the floor of a lorry, detected by a sniffer dog.",
    ),
    "vehicle_fuel_tank": ("Packages inside a double-walled fuel tank.",),
    "cargo": ("Hidden in a consignment of vegetables declared in transit.",
              "Inside a container of textiles; consignee is a shell company."),
    "luggage": ("False bottom of a suitcase.", "In the passenger's personal luggage."),
    "body_internal": ("Courier had swallowed capsules; taken to hospital.",),
    "body_worn": ("Strapped to the body under clothing.",),
    "post_parcel": ("International parcel declared as clothing.",),
    "drop_point": ("Dead-drop stash; address found in messenger chats.",
                   "Seized from a drop-point courier carrying pre-packed doses."),
    "other": ("Seized during a house search.", "Found during an operational search."),
}  # fmt: skip


def seizure_note(
    rnd: Callable[[], float], russian: bool, concealment: str, transport: str, city: str
) -> str:
    """A one- or two-sentence note; sometimes empty."""
    if rnd() < 0.15:
        return ""
    notes = (_NOTE_RU if russian else _NOTE_EN).get(concealment) or (
        _NOTE_RU if russian else _NOTE_EN
    )["other"]
    text = pick(rnd, notes)
    if rnd() < 0.3:
        text += f" г. {city}." if russian else f" {city}."
    return text


_SUBJECTS_RU = ("курьерская сеть", "группа", "ОПГ", "сеть закладчиков")
_CITIES = ("Москва", "Алматы", "Бишкек", "Душанбе", "Ташкент", "Ош", "Шымкент", "Оренбург")
_CITIES_EN = ("Moscow", "Almaty", "Bishkek", "Dushanbe", "Tashkent", "Osh", "Shymkent")

_REPORTS_RU: tuple[tuple[str, str], ...] = (
    (
        "Курьерская сеть на маршруте {a} — {b}",
        "По имеющейся информации, {subj} набирает курьеров из числа трудовых мигрантов "
        "для перевозки героина по маршруту {a} — {b}. Курьерам оплачивают билеты и "
        "обещают от 500 до 1500 долларов за рейс. Груз передаётся в районе автовокзала.",
    ),
    (
        "Интернет-магазин синтетических наркотиков в Telegram",
        "Выявлен интернет-магазин, реализующий мефедрон и альфа-PVP через бот в Telegram. "
        "Оплата в криптовалюте, выдача через тайники-закладки в г. {a}. Магазин "
        "набирает «закладчиков» через объявления о работе с ежедневной оплатой.",
    ),
    (
        "Утечка уксусного ангидрида",
        "Поступила информация о возможной утечке уксусного ангидрида под видом "
        "лакокрасочной продукции. Партия следует автотранспортом через {c} в направлении "
        "южной границы. Грузополучатель зарегистрирован незадолго до поставки.",
    ),
    (
        "Изменение маршрутов доставки опиатов",
        "Отмечается смещение трафика опиатов с направления «{a}» на «{b}» в связи с "
        "усилением контроля на пунктах пропуска. Используются грузовики с "
        "сельхозпродукцией и тайники в топливных баках.",
    ),
    (
        "Поставки метамфетамина из Ирана",
        "Метамфетамин иранского происхождения поступает через Каспийское побережье, "
        "далее автотранспортом в г. {a}. Партии по 1–5 кг, упаковка в вакуумные пакеты.",
    ),
    (
        "Подпольная лаборатория",
        "Получены сведения о лаборатории по синтезу мефедрона в частном доме в "
        "пригороде г. {a}. Прекурсоры закупаются через подставные фирмы.",
    ),
)
_REPORTS_EN: tuple[tuple[str, str], ...] = (
    (
        "Courier network on the {a} – {b} route",
        "Information indicates that a {subj} recruits couriers among labour migrants to "
        "carry heroin from {a} to {b}. Couriers are paid USD 500–1,500 per trip and "
        "receive the consignment near the bus station.",
    ),
    (
        "Telegram drop-point shop",
        "A Telegram bot is selling mephedrone and alpha-PVP in {a}. Payment in "
        "cryptocurrency; deliveries by dead drops. The shop recruits drop-point couriers "
        "through job adverts promising daily pay.",
    ),
    (
        "Acetic anhydride diversion",
        "A consignment of acetic anhydride declared as paint thinner is expected to move "
        "by road through {c} towards the southern border. The consignee was registered "
        "shortly before the shipment.",
    ),
    (
        "Shift in opiate routes",
        "Opiate trafficking appears to be shifting from {a} to {b} after tighter "
        "controls at crossing points. Lorries carrying produce and fuel-tank "
        "concealments are reported.",
    ),
    (
        "Iranian methamphetamine",
        "Methamphetamine of Iranian origin enters via the Caspian coast and moves by "
        "road to {a} in 1–5 kg vacuum-sealed packages.",
    ),
)
_SUBJECTS_EN = ("courier network", "criminal group", "family-based group")
_COUNTRIES_RU = ("Казахстан", "Кыргызстан", "Узбекистан", "Туркменистан", "Таджикистан")
_COUNTRIES_EN = ("Kazakhstan", "Kyrgyzstan", "Uzbekistan", "Turkmenistan", "Tajikistan")
_EXTRA_RU = (
    "",
    " Информация требует проверки.",
    " Просим сообщить о совпадениях по базам данных.",
    " Сведения подтверждаются результатами ранее проведённых изъятий.",
    " Активность отмечается в течение последних трёх месяцев.",
)
_EXTRA_EN = (
    "",
    " The information needs corroboration.",
    " Please report any hits in national databases.",
    " Consistent with recent seizures in the region.",
    " Activity has been observed over the last three months.",
)


def report_text(rnd: Callable[[], float], russian: bool) -> tuple[str, str]:
    """Title and body of one intelligence report."""
    if russian:
        title, body = pick(rnd, _REPORTS_RU)
        a, b, subj = pick(rnd, _CITIES), pick(rnd, _CITIES), pick(rnd, _SUBJECTS_RU)
        c, extra = pick(rnd, _COUNTRIES_RU), pick(rnd, _EXTRA_RU)
    else:
        title, body = pick(rnd, _REPORTS_EN)
        a, b, subj = pick(rnd, _CITIES_EN), pick(rnd, _CITIES_EN), pick(rnd, _SUBJECTS_EN)
        c, extra = pick(rnd, _COUNTRIES_EN), pick(rnd, _EXTRA_EN)
    if a == b:
        b = _CITIES[0] if russian else _CITIES_EN[0]
        if a == b:
            b = _CITIES[1] if russian else _CITIES_EN[1]
    return title.format(a=a, b=b), body.format(a=a, b=b, c=c, subj=subj) + extra
