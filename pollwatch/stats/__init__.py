"""The pure statistical core: no Django imports, plain arrays in, plain results out.

Modules: ``table`` (reading CSV/XLSX into checked numeric arrays), ``sampling``,
``quickcount``, ``exitpoll``, ``forensics``, ``simulate``, ``validate``.
"""
