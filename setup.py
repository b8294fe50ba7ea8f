"""The C extension, the fast accept path's claim reader (``compiler/claim_reader.py``); everything else
is declared in pyproject.toml. ``pip install`` builds it, also editable (``make test``), into
``compiler/``; where it cannot be compiled the install goes on and the Python check does its work."""

from setuptools import Extension, setup

_SOURCES = ["compiler/_claim_reader.c", "compiler/claim_reader_spec.c", "compiler/claim_reader_read.c"]

setup(ext_modules=[Extension("yibao.compiler._claim_reader", _SOURCES, depends=["compiler/claim_reader.h"],
                             optional=True)])
