"""Agencies, users, passwords, sign-in, sessions and API tokens."""
