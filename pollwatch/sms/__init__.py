"""The structured-SMS core (no Django): grammar, validation against form rules, replies.

See DESIGN §5. ``rules`` holds the small contract shared with ``pollwatch.formspec``.
"""
