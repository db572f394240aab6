"""Places where seizures happen, with approximate real coordinates.

Each entry: ``(admin_area, city, latitude, longitude, kinds)`` where ``kinds`` lists
the place types that fit the spot: ``B`` border crossing, ``R`` road, ``L`` rail,
``A`` airport, ``P`` post, ``S`` sea port, ``H`` residence, ``O`` other.
"""

from __future__ import annotations

Place = tuple[str, str, float, float, str]

PLACES: dict[str, tuple[Place, ...]] = {
    "TJ": (
        ("Gorno-Badakhshan", "Khorog", 37.4897, 71.5531, "BRHO"),
        ("Gorno-Badakhshan", "Ishkashim", 36.7270, 71.6110, "BRO"),
        ("Gorno-Badakhshan", "Murghob", 38.1700, 73.9650, "RO"),
        ("Khatlon", "Panji Poyon", 37.2372, 68.6678, "BRO"),
        ("Khatlon", "Kulob", 37.9146, 69.7845, "RHPO"),
        ("Khatlon", "Bokhtar", 37.8364, 68.7803, "RLHPO"),
        ("Khatlon", "Shahritus", 37.2600, 68.1390, "RLHO"),
        ("Dushanbe", "Dushanbe", 38.5598, 68.7870, "RLAPHO"),
        ("Sughd", "Khujand", 40.2826, 69.6222, "RLAPHO"),
        ("Sughd", "Isfara", 40.1264, 70.6253, "BRHO"),
    ),
    "UZ": (
        ("Surxondaryo", "Termez", 37.2242, 67.2783, "BRLAPHO"),
        ("Surxondaryo", "Denov", 38.2676, 67.8981, "RLHO"),
        ("Toshkent", "Tashkent", 41.2995, 69.2401, "RLAPHO"),
        ("Toshkent", "Yallama", 41.1000, 69.0000, "BRO"),
        ("Samarqand", "Samarkand", 39.6270, 66.9750, "RLAPHO"),
        ("Buxoro", "Bukhara", 39.7747, 64.4286, "RLAPHO"),
        ("Fargʻona", "Fergana", 40.3894, 71.7830, "RLAPHO"),
        ("Andijon", "Andijan", 40.7821, 72.3442, "BRLHO"),
        ("Qashqadaryo", "Qarshi", 38.8606, 65.7847, "RLAHO"),
        ("Xorazm", "Urgench", 41.5500, 60.6333, "RLAHO"),
    ),
    "KG": (
        ("Osh", "Osh", 40.5283, 72.7985, "RAPHO"),
        ("Osh", "Sary-Tash", 39.7290, 73.2500, "RO"),
        ("Batken", "Batken", 40.0628, 70.8194, "BRHO"),
        ("Jalal-Abad", "Jalal-Abad", 40.9333, 73.0000, "RLHO"),
        ("Chui", "Bishkek", 42.8746, 74.5698, "RLAPHO"),
        ("Chui", "Tokmok", 42.8420, 75.3015, "RHO"),
        ("Chui", "Kara-Balta", 42.8144, 73.8481, "RLHO"),
        ("Issyk-Kul", "Karakol", 42.4907, 78.3936, "RHO"),
        ("Naryn", "Torugart", 40.5567, 75.3950, "BRO"),
    ),
    "KZ": (
        ("Almaty", "Almaty", 43.2389, 76.8897, "RLAPHO"),
        ("Almaty region", "Kordai", 43.0414, 74.7119, "BRO"),
        ("Zhambyl", "Shu", 43.5983, 73.7614, "RLHO"),
        ("Zhambyl", "Taraz", 42.9000, 71.3667, "RLAPHO"),
        ("Shymkent", "Shymkent", 42.3417, 69.5901, "RLAPHO"),
        ("Turkistan", "Zhibek Zholy", 41.4620, 69.1720, "BRO"),
        ("Turkistan", "Saryagash", 41.4500, 69.1700, "LHO"),
        ("Kyzylorda", "Kyzylorda", 44.8528, 65.5092, "RLHO"),
        ("Aktobe", "Aktobe", 50.2839, 57.1670, "RLAHO"),
        ("Kostanay", "Kostanay", 53.2144, 63.6246, "RLHO"),
        ("Mangystau", "Aktau", 43.6500, 51.1667, "SRAHO"),
        ("Astana", "Astana", 51.1694, 71.4491, "RLAPHO"),
        ("Karaganda", "Karaganda", 49.8047, 73.1094, "RLHO"),
        ("West Kazakhstan", "Oral", 51.2333, 51.3667, "BRLHO"),
    ),
    "TM": (
        ("Ahal", "Ashgabat", 37.9601, 58.3261, "RLAPHO"),
        ("Ahal", "Sarahs", 36.5300, 61.2200, "BRLO"),
        ("Ahal", "Artyk", 37.5600, 59.6800, "BRO"),
        ("Lebap", "Turkmenabat", 39.0733, 63.5786, "BRLAHO"),
        ("Lebap", "Farap", 39.1700, 63.6100, "BRLO"),
        ("Mary", "Mary", 37.6000, 61.8333, "RLAHO"),
        ("Mary", "Serhetabat", 35.2790, 62.3440, "BRLO"),
        ("Balkan", "Turkmenbashi", 40.0222, 52.9552, "SRAO"),
        ("Dashoguz", "Dashoguz", 41.8363, 59.9666, "BRHO"),
    ),
    "AZ": (
        ("Astara", "Astara", 38.4561, 48.8747, "BRHO"),
        ("Lankaran", "Lankaran", 38.7529, 48.8475, "RHO"),
        ("Jalilabad", "Jalilabad", 39.2089, 48.4986, "RHO"),
        ("Bilasuvar", "Bilasuvar", 39.4583, 48.5450, "BRO"),
        ("Baku", "Baku", 40.4093, 49.8671, "RLAPSHO"),
        ("Baku", "Alat", 39.9450, 49.4100, "SRO"),
        ("Sumgait", "Sumgait", 40.5897, 49.6686, "RHO"),
        ("Ganja", "Ganja", 40.6828, 46.3606, "RLAHO"),
        ("Khachmaz", "Samur", 41.8500, 48.5200, "BRO"),
    ),
    "RU": (
        ("Moscow", "Moscow", 55.7558, 37.6173, "RLPHO"),
        ("Moscow Oblast", "Domodedovo", 55.4088, 37.9063, "A"),
        ("Saint Petersburg", "Saint Petersburg", 59.9343, 30.3351, "SRLAPHO"),
        ("Astrakhan Oblast", "Astrakhan", 46.3497, 48.0408, "BSRLHO"),
        ("Orenburg Oblast", "Orenburg", 51.7682, 55.0969, "BRLAHO"),
        ("Orenburg Oblast", "Orsk", 51.2049, 58.5668, "BRLHO"),
        ("Samara Oblast", "Samara", 53.1959, 50.1002, "RLAPHO"),
        ("Sverdlovsk Oblast", "Yekaterinburg", 56.8389, 60.6057, "RLAPHO"),
        ("Chelyabinsk Oblast", "Troitsk", 54.0833, 61.5667, "BRLO"),
        ("Chelyabinsk Oblast", "Chelyabinsk", 55.1644, 61.4368, "RLAPHO"),
        ("Omsk Oblast", "Omsk", 54.9885, 73.3242, "BRLAHO"),
        ("Novosibirsk Oblast", "Novosibirsk", 55.0084, 82.9357, "RLAPHO"),
        ("Krasnodar Krai", "Novorossiysk", 44.7239, 37.7688, "SRHO"),
        ("Republic of Dagestan", "Derbent", 42.0678, 48.2899, "BRLHO"),
        ("Tatarstan", "Kazan", 55.7961, 49.1064, "RLAPHO"),
    ),
}

KIND_CODES: dict[str, str] = {
    "border_crossing": "B",
    "road": "R",
    "rail": "L",
    "airport": "A",
    "post": "P",
    "sea_port": "S",
    "residence": "H",
    "other": "O",
}
