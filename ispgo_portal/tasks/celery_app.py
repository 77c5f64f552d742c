"""The Celery app: Redis broker from REDIS_URL, or kombu's filesystem transport in the
embedded default (no server to install)."""

from __future__ import annotations

from celery import Celery
from celery.signals import setup_logging

from ispgo_portal.logging_setup import configure_logging
from ispgo_portal.settings import get_settings
from ispgo_portal.tasks.schedule import BEAT_SCHEDULE

TASK_MODULES = [
    "ispgo_portal.tasks.email",
    "ispgo_portal.tasks.renewals",
    "ispgo_portal.tasks.payments",
    "ispgo_portal.tasks.maintenance",
    "ispgo_portal.tasks.refunds",
    "ispgo_portal.tasks.documents",
]


def _broker_config() -> dict:
    settings = get_settings()
    if settings.redis_url:
        return {"broker_url": settings.redis_url}
    settings.ensure_dirs()
    folder = settings.data_dir / "broker"
    folder.mkdir(exist_ok=True)
    return {
        "broker_url": "filesystem://",
        "broker_transport_options": {
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            # kombu's default is ./control in the working directory; keep it with the broker.
            "control_folder": str(folder / "control"),
        },
    }


def make_celery() -> Celery:
    # Task modules use @shared_task and bind to this app; `include` imports them in workers.
    app = Celery("ispgo_portal", include=TASK_MODULES)
    app.conf.update(
        **_broker_config(),
        task_ignore_result=True,
        task_acks_late=True,  # a worker killed mid-task leaves the message for another
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        timezone="UTC",
        broker_connection_retry_on_startup=True,
        beat_schedule=BEAT_SCHEDULE,
        # One beat sends the schedule even if several run (a lease in Redis; see beat_leader).
        beat_scheduler="ispgo_portal.tasks.beat_leader:LeaderScheduler",
        beat_schedule_filename=str(get_settings().data_dir / "celerybeat-schedule"),
    )
    app.set_default()
    return app



@setup_logging.connect
def _portal_logging(**_kwargs: object) -> None:
    """Workers and beat log like the portal: a receiver here stops Celery from installing its
    own handlers (the task name and id still appear in its messages)."""
    configure_logging()


celery_app = make_celery()
