"""Architectures, each declared as rows that mirror its paper's table and built by one small function."""
