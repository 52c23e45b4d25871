"""pollwatch: election observation missions, end to end."""

__version__ = "0.1.0"
