"""What rules read about a document, computed on first use and cached (see `lint.document`)."""
