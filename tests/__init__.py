"""The test suite: pytest, over real DuckDB files, HTTP servers and Chromium."""
