"""Kedro-free code that several stages share."""
