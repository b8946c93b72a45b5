"""Analyses over the store: functions from posts to Arrow tables and typed results."""
