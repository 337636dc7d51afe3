"""Contests and judge assignments, administered in the web service (their models live in review/)."""
