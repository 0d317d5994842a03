from django.db import models


class WorkerHeartbeat(models.Model):
    """Written by a periodic Celery task; /readyz reads it to know a worker and beat are alive."""

    name = models.CharField(max_length=60, primary_key=True)
    beat_at = models.DateTimeField()
    hostname = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S}"
