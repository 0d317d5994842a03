from django.db import models


class WorkerHeartbeat(models.Model):
    """Written by a periodic Celery task; /readyz reads it to know a worker and beat are alive."""

    name = models.CharField(max_length=60, primary_key=True)
    beat_at = models.DateTimeField()
    hostname = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S}"


class PeriodicJobRun(models.Model):
    """When each periodic job (a beat schedule entry) was last sent, and by which beat.

    Every beat claims a run here before sending it (`core.services.periodic_job_claim`), so
    several beat processes send each job once per interval between them: beat can run on two
    machines, with no single point of failure and no doubled work.
    """

    name = models.CharField(max_length=200, primary_key=True)
    sent_at = models.DateTimeField()
    sent_by = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.name} sent at {self.sent_at:%Y-%m-%d %H:%M:%S} by {self.sent_by}"
