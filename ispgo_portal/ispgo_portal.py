"""The Reflex app: pages and the extra HTTP API."""

from __future__ import annotations

import reflex as rx

import ispgo_portal.tasks.email  # noqa: F401 - the web process hands committed emails to Celery
from ispgo_portal.api.app import create_api
from ispgo_portal.gc_tuning import tune_for_latency
from ispgo_portal.pages.registry import register_pages
from ispgo_portal.state.handler import backend_exception_handler
from ispgo_portal.state_lock import make_lock_acquisition_cancel_safe

app = rx.App(
    api_transformer=create_api(),
    head_components=[rx.el.link(rel="icon", href="/favicon.ico"), rx.el.script(src="/focus_return.js", defer=True)],
    html_lang="ru",
    # A bug in a handler: the traceback goes to the log, the visitor gets a calm message.
    backend_exception_handler=backend_exception_handler,
    # Contrast-corrected theme colours, skip link, focus ring, reduced motion (WCAG 2.1 AA).
    stylesheets=["/theme.css"],
    # Toasts are read out from a polite live region; its name is said in Russian.
    toaster=rx.toast.provider(custom_attrs={"containerAriaLabel": "Уведомления"}),
)
register_pages(app)
# Imported before the server forks its workers: they inherit the thresholds and the lock fix.
tune_for_latency()
make_lock_acquisition_cancel_safe()
