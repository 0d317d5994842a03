import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "firebell.settings")
application = get_wsgi_application()


def freeze_loaded_objects() -> None:
    """Exempt what start-up loaded (Django, the apps, their modules) from garbage collection.

    Those objects live as long as the process, yet every full collection walked them all: in
    bench/ui.py a full collection landing inside a request added 60-115 ms to it, which set the
    board's and the incident page's p95. Frozen, a full collection only walks what requests made.
    """
    gc.collect()
    gc.freeze()


freeze_loaded_objects()
