"""Synthetic contest entries (business plans) and their PDF/DOCX/scan renderings, for demos, tests and benchmarks."""
