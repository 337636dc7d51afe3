"""The service: FastAPI app, command line, job queue wiring, web pages."""
