"""The one confirmation dialog: a question, what will happen, «Отмена» and the action.

Two ways to open it: from a `trigger` button (the dialog owns its open state and the action
closes it), or from the state (`open` is a state var the handlers set after checking a form;
the action's handler closes it and `on_cancel` forgets what was pending).
"""

from __future__ import annotations

from typing import Any

import reflex as rx


def cancel_button() -> rx.Component:
    """«Отмена» at the foot of a form dialog: closes it, submits nothing."""
    return rx.dialog.close(rx.button("Отмена", type="button", variant="soft", color_scheme="gray"))


def confirm_dialog(*, title: Any, text: Any, action: Any, on_confirm: Any, action_id: Any = None,
                   trigger: rx.Component | None = None, open: Any = None, on_cancel: Any = None,
                   color: Any = "red", max_width: str = "460px") -> rx.Component:
    """`text` is a string, a Var or a component; `action` the action button's label; `color`
    None keeps the theme's accent (for actions that destroy nothing)."""
    props: dict[str, Any] = {"on_click": on_confirm}
    if color is not None:
        props["color_scheme"] = color
    if action_id is not None:
        props["id"] = action_id
    action_button = rx.button(action, **props)
    cancel_button = rx.button("Отмена", variant="soft", color_scheme="gray",
                              **({"on_click": on_cancel} if on_cancel is not None else {}))
    content = rx.alert_dialog.content(
        rx.alert_dialog.title(title),
        rx.alert_dialog.description(text, size="2"),
        rx.hstack(
            rx.alert_dialog.cancel(cancel_button),
            action_button if open is not None else rx.alert_dialog.action(action_button),
            justify="end",
            spacing="3",
            margin_top="16px",
        ),
        max_width=max_width,
        **({"on_escape_key_down": on_cancel} if on_cancel is not None else {}),
    )
    if open is not None:
        return rx.alert_dialog.root(content, open=open)
    return rx.alert_dialog.root(rx.alert_dialog.trigger(trigger), content)
