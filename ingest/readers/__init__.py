"""Format readers: each turns one file format into a ``Document`` through ``DocumentBuilder``."""
