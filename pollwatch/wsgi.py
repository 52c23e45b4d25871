import os
import threading

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pollwatch.settings")
application = get_wsgi_application()


def _warm_up() -> None:
    # vl-convert starts its JavaScript engine on the first chart (about half a second), and the
    # figures of an election being observed take a few seconds over tens of thousands of forms:
    # do both now, beside the first requests, not inside the first dashboard request.
    from django.conf import settings

    from pollwatch.lib.charts import nothing_yet, render_svg

    render_svg(nothing_yet("warm-up"))
    if settings.ANALYSIS_BACKGROUND_REFRESH:
        from pollwatch.results.freshness import warm_up

        warm_up()


threading.Thread(target=_warm_up, name="warm-up", daemon=True).start()
