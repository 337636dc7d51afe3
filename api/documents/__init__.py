"""Documents in the web service: uploads (with per-user quotas), job status, the viewer."""
