import os
import threading

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pollwatch.settings")
application = get_wsgi_application()


def _warm_up_charts() -> None:
    # vl-convert starts its JavaScript engine on the first chart (about half a second);
    # do it now, beside the first requests, not inside the first dashboard request.
    from pollwatch.lib.charts import nothing_yet, render_svg

    render_svg(nothing_yet("warm-up"))


threading.Thread(target=_warm_up_charts, name="chart-warm-up", daemon=True).start()
