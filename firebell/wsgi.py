import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "firebell.settings")
application = get_wsgi_application()

from firebell.celery import app as celery_app  # noqa: E402  (after Django is set up)
from firebell.publishing import relay_enable  # noqa: E402

relay_enable(celery_app)  # requests never wait on the broker (firebell/publishing.py)


def tune_garbage_collection() -> None:
    """Keep full garbage collections out of most requests (measured with bench/ui.py).

    A full collection walks every tracked object and took 60-115 ms when it landed inside a
    request, which set the board's and the incident page's p95. Freezing what start-up loaded
    (Django, the apps, their modules: they live as long as the process) takes it out of those
    walks; a full collection still costs ~17 ms, so it runs after 100 middle-generation
    collections instead of 10 (every ~175 board requests rather than every ~17). Young cycles are
    still collected as often as before.
    """
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, 100)


tune_garbage_collection()
