"""The C extensions: the fast accept path's claim reader (``compiler/claim_reader.py``) and the columnar
backend's fused line pass (``compiler/line_pass.py``); everything else is declared in pyproject.toml.
``pip install`` builds them, also editable (``make test``), into ``compiler/``; where one cannot be
compiled the install goes on and the Python check (the NumPy code) does its work."""

from setuptools import Extension, setup

_SOURCES = ["compiler/_claim_reader.c", "compiler/claim_reader_spec.c", "compiler/claim_reader_read.c"]

setup(ext_modules=[Extension("yibao.compiler._claim_reader", _SOURCES,
                             depends=["compiler/claim_reader.h", "compiler/line_rule.h"], optional=True),
                   Extension("yibao.compiler._line_pass", ["compiler/_line_pass.c"],
                             depends=["compiler/line_rule.h"], optional=True)])
