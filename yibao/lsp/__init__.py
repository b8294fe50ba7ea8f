"""The language server for policy files (``yibao lsp``): diagnostics, hover, definitions, completion.

``index`` analyses a buffer, ``hover``, ``completion`` and ``symbols`` answer from the analysis,
``server`` speaks the protocol (pygls). See docs/editors.md.
"""
