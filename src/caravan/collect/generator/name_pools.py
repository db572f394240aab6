"""Name pools of the demo region, written in each people's own orthography.

* ``TJ`` Tajik Cyrillic, ``KZ`` Kazakh Cyrillic, ``KG`` Kyrgyz Cyrillic, ``RU`` Russian;
* ``UZ`` Uzbek Latin (with ``ʻ`` U+02BB), ``TM`` Turkmen Latin, ``AZ`` Azerbaijani Latin;
* ``AF`` Afghan (and a few Iranian) names in common English spelling.

Surnames are *stems*: the renderers add -ов/-зода/-ow/-zadə/... themselves.  The
exceptions are ``RU`` (full masculine surnames) and ``AF`` (surnames without suffix).
A given name may carry an Uzbek spelling after a slash (``Ҷамшед/Jamshid``): the form
an Uzbek officer writes for that name instead of a letter-by-letter transliteration.
"""

from __future__ import annotations

ETHNICITIES: tuple[str, ...] = ("TJ", "UZ", "KZ", "KG", "TM", "AZ", "RU", "AF")

SURNAMES: dict[str, tuple[str, ...]] = {
    "TJ": (
        "Раҳим", "Карим", "Саид", "Шариф", "Назар", "Ҳасан", "Ҳусейн", "Давлат", "Сафар",
        "Ғафур", "Қодир", "Мирзо", "Юсуф", "Аҳмад", "Маҳмуд", "Раҷаб", "Ҷалол", "Иброҳим",
        "Абдулло", "Амир", "Холиқ", "Нурулло", "Шоҳин", "Султон", "Зуҳур",
    ),
    "UZ": (
        "Karim", "Yusup", "Toshmat", "Ergash", "Abdulla", "Sobir", "Rashid", "Xolmat",
        "Nazar", "Qodir", "Umar", "Sulton", "Mirza", "Ismoil", "Toʻra", "Gʻani", "Usmon",
        "Normat", "Joʻra", "Tursun", "Qurbon", "Yoʻldosh", "Sharip", "Eshmat", "Rahmat",
    ),
    "KZ": (
        "Нұрлан", "Серік", "Жақсылық", "Әбдірахман", "Байжан", "Ерлан", "Қасым", "Омар",
        "Сәрсен", "Төлеген", "Жұмабай", "Ахмет", "Мұхтар", "Бекмұрат", "Ержан", "Қайрат",
        "Асқар", "Дәулет", "Тұрсын", "Оспан", "Нұрпейіс", "Құдайберген", "Смағұл", "Исабай",
    ),
    "KG": (
        "Өмүрбек", "Асан", "Токтогул", "Жапар", "Мамыт", "Сатыбалды", "Осмон", "Эсен",
        "Кадыр", "Жээнбек", "Токтосун", "Бакыт", "Ысак", "Табылды", "Каныбек", "Эркин",
        "Жолдош", "Кубат", "Абдыкадыр", "Сыдык", "Турдубай", "Молдо", "Төрөбек", "Шабдан",
    ),
    "TM": (
        "Oraz", "Gurban", "Aman", "Anna", "Ata", "Berdi", "Çary", "Durdy", "Sapar", "Nury",
        "Myrat", "Hoja", "Baba", "Mered", "Kaka", "Rejep", "Ýusup", "Öwez", "Nepes",
        "Allaberdi", "Tagan", "Geldi", "Gara", "Hydyr",
    ),
    "AZ": (
        "Məmməd", "Əli", "Hüseyn", "Həsən", "Quli", "Abbas", "Cəfər", "İsmayıl", "Rəhim",
        "Nəsib", "Baba", "Mustafa", "Əhməd", "Kərim", "Süleyman", "Oruc", "Vəli", "Hacı",
        "Novruz", "Bayram", "Rüstəm", "İbrahim", "Şirin", "Ağa",
    ),
    "RU": (
        "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов",
        "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев",
        "Семёнов", "Егоров", "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев",
        "Макаров", "Зайцев",
    ),
    "AF": (
        "Ahmadzai", "Noorzai", "Achakzai", "Barakzai", "Popalzai", "Alokozai", "Stanikzai",
        "Karimi", "Hakimi", "Rahimi", "Ahmadi", "Mohammadi", "Sultani", "Hashimi", "Nazari",
        "Amiri", "Haidari", "Rasuli", "Sadat", "Safi", "Wardak", "Mangal", "Shinwari",
        "Hotak", "Rezaei", "Moradi", "Jafari",
    ),
}

MALE: dict[str, tuple[str, ...]] = {
    "TJ": (
        "Ҷамшед/Jamshid", "Фарҳод", "Баҳодур/Bahodir", "Фирдавс", "Рустам", "Сӯҳроб/Suhrob",
        "Шаҳром", "Далер", "Исмоил", "Комрон", "Меҳрубон", "Нозим", "Умед/Umid", "Зафар",
        "Алишер", "Бахтиёр", "Хуршед/Xurshid", "Парвиз", "Сино", "Аброр", "Ҷаҳонгир",
    ),
    "UZ": (
        "Jasur", "Sardor", "Otabek", "Ulugʻbek", "Shohruh", "Bobur", "Doniyor", "Jamshid",
        "Sherzod", "Akmal", "Bekzod", "Oybek", "Dilshod", "Rustam", "Anvar", "Farrux",
        "Ravshan", "Islom", "Sanjar", "Abdulaziz",
    ),
    "KZ": (
        "Нұрсұлтан", "Ерлан", "Серік", "Дәулет", "Асхат", "Бауыржан", "Ерболат", "Қайрат",
        "Арман", "Данияр", "Жандос", "Талғат", "Мұрат", "Ғалым", "Әділ", "Санжар", "Алмас",
        "Бекзат",
    ),
    "KG": (
        "Алмаз", "Азамат", "Бакыт", "Эрлан", "Нурбек", "Тилек", "Айбек", "Кубанычбек",
        "Мирлан", "Чыңгыз", "Жыргалбек", "Эмил", "Үмөт", "Медер", "Элдияр", "Талант",
        "Сүйүнбек",
    ),
    "TM": (
        "Serdar", "Merdan", "Döwlet", "Batyr", "Maksat", "Parahat", "Begenç", "Resul",
        "Azat", "Atamyrat", "Ýazgeldi", "Baýram", "Kerim", "Nurmuhammet", "Aşyr", "Dowran",
    ),
    "AZ": (
        "Elvin", "Rəşad", "Orxan", "Elçin", "Tural", "Vüqar", "Kamran", "Fərid", "Ramil",
        "Samir", "Anar", "Elnur", "Cavid", "Nicat", "Ülvi", "Emin", "Rauf", "Zaur",
    ),
    "RU": (
        "Александр", "Дмитрий", "Сергей", "Андрей", "Алексей", "Максим", "Евгений", "Иван",
        "Михаил", "Николай", "Владимир", "Артём", "Денис", "Игорь", "Олег", "Роман",
        "Виктор", "Павел",
    ),
    "AF": (
        "Ahmad", "Mohammad", "Gul", "Karim", "Rahim", "Hamid", "Najib", "Wali", "Zalmai",
        "Shir", "Habib", "Qasim", "Nasir", "Farid", "Jawad", "Hassan", "Reza", "Mehdi",
    ),
}

FEMALE: dict[str, tuple[str, ...]] = {
    "TJ": (
        "Мадина", "Нигина", "Заррина", "Фарзона", "Шаҳноза/Shahnoza", "Гулноза", "Малика",
        "Дилноза", "Таҳмина", "Парвина",
    ),
    "UZ": (
        "Dilnoza", "Gulnora", "Nodira", "Shahnoza", "Feruza", "Zarina", "Mohira", "Madina",
        "Nilufar", "Sevara",
    ),
    "KZ": ("Айгүл", "Гүлнар", "Дана", "Әсел", "Жанар", "Аружан", "Мөлдір", "Сәуле", "Айжан"),
    "KG": ("Айпери", "Бермет", "Жылдыз", "Гүлзат", "Айгерим", "Чолпон", "Нургүл", "Мээрим"),
    "TM": ("Jeren", "Aýna", "Bahar", "Maýsa", "Selbi", "Nurjemal", "Läle", "Mähri"),
    "AZ": ("Aynur", "Günel", "Leyla", "Səbinə", "Nərmin", "Aysel", "Lalə", "Könül", "Fidan"),
    "RU": (
        "Анна", "Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Екатерина", "Светлана",
        "Мария", "Юлия",
    ),
    "AF": ("Fatima", "Zainab", "Maryam", "Laila", "Parwana", "Shabnam", "Nargis", "Zahra"),
}

RU_PATRONYMIC_EXCEPTIONS: dict[str, tuple[str, str]] = {
    "Павел": ("Павлович", "Павловна"),
}
