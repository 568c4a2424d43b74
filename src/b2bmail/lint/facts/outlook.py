"""Outlook facts: what classic Outlook (Word's renderer) never shows, and the `<!--[if mso]>`
ghost tables that stand in for what it cannot render."""

from __future__ import annotations

from b2bmail.lint.cached import cached
from b2bmail.lint.core import Element
from b2bmail.lint.facts.styles import StyleFacts


class OutlookFacts(StyleFacts):
    """What classic Outlook hides or gets instead, from the walk's MSO regions and the styles."""

    def hidden_from_outlook(self, el: Element) -> bool:
        """True when classic Outlook never renders `el`: `<!--[if !mso]><!-->` or mso-hide:all."""
        return el in self.outlook_hidden

    @cached
    def outlook_hidden(self) -> set[Element]:
        """Every element classic Outlook never renders (see `hidden_from_outlook`)."""
        hidden = set(self._not_mso)
        for raw, (style, elements) in self._raw_groups.items():
            if "mso-hide" in raw and style.get("mso-hide", "").lower() == "all":
                for el in elements:
                    hidden.update(el.iter())
        return hidden

    def has_mso_fallback(self, el: Element) -> bool:
        """True when an `<!--[if mso]>` ghost table sits just before or as first child of `el`.

        That is: `el`'s previous sibling, the first child of its parent (when that is not
        `el`), or its own first child is a comment opening an MSO conditional with a table.
        """
        ghosts = self._ghost_tables
        if not ghosts:
            return False
        if el.getprevious() in ghosts:
            return True
        parent = el.getparent()
        if parent is not None and len(parent) and parent[0] is not el and parent[0] in ghosts:
            return True
        return bool(len(el)) and el[0] in ghosts
