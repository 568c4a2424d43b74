"""Style facts: inline styles parsed once per distinct string, indexed by property, and the
<style> blocks. Every styled element was found by the core's walk, in document order."""

from __future__ import annotations

from collections.abc import Iterable

from b2bmail.lint.cached import cached
from b2bmail.lint.core import DocumentCore, Element
from b2bmail.lint.css import Stylesheet, parse_style, parse_stylesheet


class StyleFacts(DocumentCore):
    """The inline styles and style sheets of a document, computed on first use."""

    @cached
    def inline_styles(self) -> dict[Element, dict[str, str]]:
        """Element -> parsed inline style, for every element with a style attribute, in order.

        The parsed dicts are shared between elements: read them, never change them.
        """
        return self._styles_and_groups[0]

    @cached
    def style_groups(self) -> list[tuple[dict[str, str], list[Element]]]:
        """Each distinct non-empty inline style with its elements (in document order)."""
        return self._styles_and_groups[1]

    @cached
    def styles_by_property(self) -> dict[str, list[tuple[str, list[Element]]]]:
        """property -> (value, elements) for each distinct inline style that sets it.

        Indexed by distinct style string, not by element: a template's hundreds of styled
        elements share a few dozen styles. Each element list is in document order.
        """
        return self._styles_and_groups[2]

    @cached
    def _raw_groups(self) -> dict[str, tuple[dict[str, str], list[Element]]]:
        """Each distinct style attribute as written -> (its parsed style, its elements)."""
        return self._styles_and_groups[3]

    @cached
    def _styles_and_groups(
        self,
    ) -> tuple[
        dict[Element, dict[str, str]],
        list[tuple[dict[str, str], list[Element]]],
        dict[str, list[tuple[str, list[Element]]]],
        dict[str, tuple[dict[str, str], list[Element]]],
    ]:
        # Templates repeat the same style strings: each distinct one is parsed once, and its
        # declarations enter the by-property index then (its element list fills in after).
        groups: dict[str, tuple[dict[str, str], list[Element]]] = {}
        by_prop: dict[str, list[tuple[str, list[Element]]]] = {}
        styles = {}
        for el, raw in self._with_style:
            group = groups.get(raw)
            if group is None:
                style = parse_style(raw)
                elements = [el]
                groups[raw] = (style, elements)
                for prop, value in style.items():
                    bucket = by_prop.get(prop)
                    if bucket is None:
                        by_prop[prop] = [(value, elements)]
                    else:
                        bucket.append((value, elements))
                styles[el] = style
            else:
                group[1].append(el)
                styles[el] = group[0]
        return styles, [group for group in groups.values() if group[0]], by_prop, groups

    @cached
    def _css_call_tails(self) -> frozenset[str]:
        # The (up to) eight lower-case characters before each "(" of the inline styles and
        # <style> blocks: the end of a CSS function's name. Parentheses are few in CSS, so
        # this is a handful of `find`s, not a scan of the whole document.
        texts = [*self._raw_groups, *(el.text or "" for el in self.elements("style"))]
        tails = set()
        for text in texts:
            at = text.find("(")
            while at >= 0:
                tails.add(text[max(0, at - 8) : at].lower())
                at = text.find("(", at + 1)
        return frozenset(tails)

    def calls_css_function(self, *names: str) -> bool:
        """True when a CSS function whose name ends with one of `names` (lower-case, at most
        eight characters) is called in an inline style or a <style> block: `rgb(`, `var(`…
        A cheap, exact precheck for rules about one function (comments may hold the call)."""
        return any(tail.endswith(names) for tail in self._css_call_tails)

    def styled_order(self, elements: Iterable[Element]) -> list[Element]:
        """Elements with a style attribute, sorted in document order (each element once)."""
        return sorted(set(elements), key=self._style_index.__getitem__)

    @cached
    def _style_index(self) -> dict[Element, int]:
        # The styled elements only (the walk found them in document order), not every node.
        return {el: i for i, (el, _raw) in enumerate(self._with_style)}

    def style(self, el: Element) -> dict[str, str]:
        """The inline style of `el` (empty when it has none), parsed once."""
        return self.inline_styles.get(el) or {}

    @cached
    def styled(self) -> list[tuple[Element, dict[str, str]]]:
        """Every element with a non-empty inline style, in document order."""
        return [(el, style) for el, style in self.inline_styles.items() if style]

    @cached
    def stylesheets(self) -> list[tuple[Element, Stylesheet]]:
        return [(el, parse_stylesheet(el.text or "")) for el in self.elements("style")]
