"""FAQ search and which answers are open. Public: any visitor may call these handlers,
and they touch nothing but the static FAQ text."""

from __future__ import annotations

from typing import Any

import reflex as rx

from ispgo_portal.content.faq import ALL_SLUGS, matching_slugs, section_slugs
from ispgo_portal.state.handler import public_handler
from ispgo_portal.state.session import SessionState

MAX_QUERY_LENGTH = 200
# With this many matches or fewer the answers open by themselves: the reader sees them at once.
AUTO_OPEN_LIMIT = 6


class FaqState(SessionState):
    query: str = ""
    visible_slugs: list[str] = list(ALL_SLUGS)
    open_slugs: list[str] = []

    @rx.var
    def nothing_found(self) -> bool:
        return len(self.visible_slugs) == 0

    @public_handler(inline=True)
    def search(self, query: Any):
        text = query if isinstance(query, str) else ""
        self.query = text[:MAX_QUERY_LENGTH]
        self.visible_slugs = matching_slugs(self.query)
        if not self.query.strip():
            self.open_slugs = []
        elif len(self.visible_slugs) <= AUTO_OPEN_LIMIT:
            self.open_slugs = list(self.visible_slugs)

    @public_handler(inline=True)
    def clear_search(self):
        self.query = ""
        self.visible_slugs = list(ALL_SLUGS)
        self.open_slugs = []

    @public_handler(inline=True)
    def show_answers(self, section: Any, opened: Any):
        """The accordion of one section reports its open items; the other sections keep theirs."""
        own = section_slugs(section) if isinstance(section, str) else ()
        if not own:
            return
        if isinstance(opened, str):
            opened = [opened]
        chosen = [s for s in opened if isinstance(s, str) and s in own] if isinstance(opened, list) else []
        self.open_slugs = [s for s in self.open_slugs if s not in own] + chosen
