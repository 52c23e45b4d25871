# A moment reads "5 ديسمبر 2026، 13:57" (24-hour clock; pollwatch/formats/__init__.py).
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = DATE_FORMAT
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y، H:i"
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
