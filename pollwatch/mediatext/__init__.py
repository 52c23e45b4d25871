"""The pure media-monitoring core: no Django imports, plain text and records in, plain results out.

Modules: ``extract`` (items from text, HTML, JSONL, CSV), ``dedupe`` (exact and
near duplicates), ``subjects`` (the catalogue and finding subjects), ``segment``
(paragraphs, sentences), ``genre``, ``tone`` (models, training), ``coding``
(``code_item``: one item's proposed codes), ``reliability`` (Krippendorff's alpha).
See docs/media.md.
"""
