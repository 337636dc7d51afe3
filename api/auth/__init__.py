"""Users, roles, browser sessions, API tokens and login rate limits."""
