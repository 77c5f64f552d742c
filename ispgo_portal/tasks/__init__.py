"""Celery app, beat schedule and thin tasks that call services."""
