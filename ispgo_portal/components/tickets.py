"""Pieces shared by the customer's and support's ticket pages: badges, the conversation,
the screenshot picker, a confirmation dialog.

Message text is rendered as React text (escaped) with white-space: pre-wrap, so line breaks
survive and nothing a customer types can become HTML."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.forms import control_id, field_label
from ispgo_portal.components.layout import field_error
from ispgo_portal.limits import megabytes
from ispgo_portal.services.support.attachments import MAX_FILE_BYTES, MAX_FILES
from ispgo_portal.state.ticket_thread import AttachmentView, MessageView

IMAGE_ACCEPT = {"image/png": [".png"], "image/jpeg": [".jpg", ".jpeg"], "image/webp": [".webp"],
                "image/gif": [".gif"]}
STATUS_COLORS = {"open": "orange", "in_progress": "blue", "closed": "gray"}
PRIORITY_COLORS = {"high": "red", "medium": "amber", "low": "gray"}


def status_badge(status, label) -> rx.Component:
    return rx.badge(label, color_scheme=rx.match(status, *STATUS_COLORS.items(), "gray"),
                    variant="soft", size="2", white_space="normal")


def priority_badge(priority, label) -> rx.Component:
    return rx.badge(rx.icon("flag", size=12), label,
                    color_scheme=rx.match(priority, *PRIORITY_COLORS.items(), "gray"), variant="outline")


def labelled(label: str, control: rx.Component, error=None, html_for: str = "") -> rx.Component:
    return rx.vstack(
        field_label(label, html_for or control_id(control), size="2", weight="medium"),
        control,
        field_error(error) if error is not None else rx.fragment(),
        spacing="1",
        width="100%",
    )


def choice_select(name: str, options: dict[str, str], *, element_id: str, default: str = "",
                  placeholder: str = "", **props) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(placeholder=placeholder, width="100%", id=element_id),
        rx.select.content(*[rx.select.item(label, value=value) for value, label in options.items()]),
        name=name,
        default_value=default or None,
        **props,
    )


def _name_file_input(component: rx.Component, name: str) -> rx.Component:
    """The dropzone's file input is hidden visually but not from screen readers: give it a name."""
    for child in component.children:
        if getattr(child, "type", None) is not None and str(child.type) == '"file"':
            child.custom_attrs["aria-label"] = name
        _name_file_input(child, name)
    return component


def screenshot_picker(upload_id: str, error) -> rx.Component:
    return rx.vstack(
        _name_file_input(rx.upload.root(
            rx.hstack(
                rx.icon("image-plus", size=18, color=rx.color("gray", 10)),
                rx.text("Выберите скриншоты или перетащите их сюда", size="2"),
                align="center",
                spacing="2",
            ),
            id=upload_id,
            multiple=True,
            accept=IMAGE_ACCEPT,
            max_files=MAX_FILES,
            max_size=MAX_FILE_BYTES,
            border=f"1px dashed {rx.color('gray', 7)}",
            border_radius="8px",
            padding="12px",
            width="100%",
            cursor="pointer",
        ), "Скриншоты"),
        rx.text(f"PNG, JPEG, WebP или GIF, до {megabytes(MAX_FILE_BYTES)} каждый, не больше {MAX_FILES} файлов",
                size="1", color_scheme="gray"),
        rx.foreach(
            rx.selected_files(upload_id),
            lambda name: rx.hstack(rx.icon("paperclip", size=14), rx.text(name, size="1"),
                                   align="center", spacing="1"),
        ),
        rx.cond(rx.selected_files(upload_id).length() > 0,
                rx.button("Убрать файлы", type="button", variant="ghost", size="1", color_scheme="gray",
                          on_click=rx.clear_selected_files(upload_id))),
        field_error(error),
        spacing="1",
        width="100%",
    )


def attachment_thumb(att: AttachmentView) -> rx.Component:
    return rx.link(
        rx.image(src=att.url, alt=att.name, width="120px", height="90px", object_fit="cover",
                 border_radius="6px", border=f"1px solid {rx.color('gray', 5)}", loading="lazy"),
        href=att.url,
        is_external=True,
        title=att.name,
        class_name="ticket-attachment",
    )


def message_card(message: MessageView, customer_label: str) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.icon(rx.cond(message.is_staff, "headset", "user-round"), size=16),
            rx.text(message.author, weight="bold", size="2"),
            rx.badge(rx.cond(message.is_staff, "Поддержка", customer_label),
                     color_scheme=rx.cond(message.is_staff, "blue", "gray"), variant="soft"),
            rx.spacer(),
            rx.text(message.time, size="1", color_scheme="gray"),
            align="center",
            spacing="2",
            width="100%",
            wrap="wrap",
        ),
        rx.text(message.body, size="2", white_space="pre-wrap", word_break="break-word",
                margin_top="8px", class_name="ticket-message-body"),
        rx.cond(
            message.attachments.length() > 0,
            rx.flex(rx.foreach(message.attachments, attachment_thumb), wrap="wrap", gap="8px",
                    margin_top="10px"),
        ),
        padding="14px",
        border_radius="10px",
        width="100%",
        background=rx.cond(message.is_staff, rx.color("blue", 2), rx.color("gray", 1)),
        border=rx.cond(message.is_staff, f"1px solid {rx.color('blue', 5)}", f"1px solid {rx.color('gray', 5)}"),
        class_name=rx.cond(message.is_staff, "ticket-message staff", "ticket-message customer"),
    )


def conversation(messages, customer_label: str) -> rx.Component:
    return rx.vstack(rx.foreach(messages, lambda m: message_card(m, customer_label)),
                     spacing="3", width="100%", id="ticket-conversation")
