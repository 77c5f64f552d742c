"""Celery app, beat schedule and thin tasks that call services. Importing the package makes
the app (and sets it as the default, so `@shared_task`s bind to it)."""

from ispgo_portal.tasks.celery_app import celery_app

__all__ = ["celery_app"]
