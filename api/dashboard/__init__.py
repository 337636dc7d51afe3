"""The landing page: counts, progress and charts for each role."""
