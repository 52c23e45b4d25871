"""Framework-free helpers used by the Django apps (no Django imports here)."""
