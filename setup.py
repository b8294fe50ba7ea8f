"""The C extension, the fast accept path's claim reader (``compiler/claim_reader.py``); everything else
is declared in pyproject.toml. ``pip install`` builds it, also editable (``make test``), into
``compiler/``; where it cannot be compiled the install goes on and the Python check does its work."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("yibao.compiler._claim_reader", ["compiler/_claim_reader.c"], optional=True)])
