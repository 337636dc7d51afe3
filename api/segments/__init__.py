"""Segment classification in the service: the classify page and API, corrections, retraining."""
