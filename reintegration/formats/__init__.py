"""Date formats for every interface language (``FORMAT_MODULE_PATH``): Morocco writes dates
day/month/year in Arabic and in French alike, and so do its forms and the admin site.

Django's own formats would read "05/03/2026" as the 5th of March in French but as May 3 in
English, and show the ISO form in Arabic. Here every language types and shows 05/03/2026;
5/3/2026, 05-03-2026 and 05.03.2026 are read the same way, and the ISO form (2026-03-05) still
works for addresses saved before. Two-digit years are refused: "90" could be 1990 or 2090.
"""

__all__ = [
    "DATETIME_FORMAT",
    "DATETIME_INPUT_FORMATS",
    "DATE_FORMAT",
    "DATE_INPUT_FORMATS",
    "SHORT_DATETIME_FORMAT",
    "SHORT_DATE_FORMAT",
]

DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]
DATETIME_INPUT_FORMATS = [
    *(f"{date} %H:%M:%S" for date in DATE_INPUT_FORMATS),
    *(f"{date} %H:%M" for date in DATE_INPUT_FORMATS),
    *DATE_INPUT_FORMATS,
]
DATE_FORMAT = "d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
