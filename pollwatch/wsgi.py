import os
import threading

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pollwatch.settings")
site = get_wsgi_application()

from pollwatch.intake_wsgi import with_intake_path  # noqa: E402

# Observer reports skip the site's middleware (pollwatch/intake_wsgi.py says why and what stays).
application = with_intake_path(site)

# The warm-up thread's modules (numpy, altair, vl-convert and the figures over them) are
# imported here, in the main thread, before it starts: a heavy package imported by two
# threads at once can hand one of them a partially initialised module ("partially
# initialized module 'numpy' has no attribute 'ndarray'").
from django.conf import settings  # noqa: E402

from pollwatch.lib.charts import nothing_yet, render_svg  # noqa: E402
from pollwatch.results import estimates, findings, freshness, official  # noqa: E402, F401


def _warm_up() -> None:
    # vl-convert starts its JavaScript engine on the first chart (about half a second), and the
    # figures of an election being observed take a few seconds over tens of thousands of forms:
    # do both now, beside the first requests, not inside the first dashboard request.
    render_svg(nothing_yet("warm-up"))
    if settings.ANALYSIS_BACKGROUND_REFRESH:
        freshness.warm_up()


threading.Thread(target=_warm_up, name="warm-up", daemon=True).start()
