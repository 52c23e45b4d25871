"""One date and time format per staff language (settings.FORMAT_MODULE_PATH).

Every staff page prints a moment with ``{{ value|when }}`` and a day with ``{{ value|day }}``
(``pollwatch/elections/templatetags/moments.py``), which read these; ``{{ value }}`` and
``|date:"DATE_FORMAT"`` read them too. Machine formats (exports, the API, ``<time datetime>``)
stay ISO 8601. One format each, so the same moment reads the same on every page of a language:
the short and long formats are the same on purpose."""
