"""Form pieces shared by the pages."""

from __future__ import annotations

import reflex as rx


def field_label(text: str | rx.Var, html_for: str | rx.Var, **props) -> rx.Component:
    """A visible label tied to its control. Radix `Text` has no `html_for` prop (Reflex would put
    it into the CSS), so the `for` attribute is passed through as-is."""
    return rx.text(text, as_="label", custom_attrs={"htmlFor": html_for}, **props)


def control_id(control: rx.Component) -> str:
    """The id a label should point at: the control's own, or (a select) its trigger's."""
    if getattr(control, "id", None):
        return str(control.id)
    for child in control.children:
        found = control_id(child)
        if found:
            return found
    return ""
