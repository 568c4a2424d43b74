"""What rules read about a document, computed on first use and cached (see `lint.document`).

Holds: styles (inline styles, the CSS index, stylesheets, inherited colours), text (visible
text, words, the preheader, hidden elements) and outlook (mso fallbacks, ghost tables): mixins
of `Document`, each subclassing the facts it reads.

May import: lint.core, lint.css, lint.cached and itself; never document, rules or registry
(`document` -> `facts` -> `core` runs one way)."""
