"""The review console: a server-rendered web page where a person works the review queue, sees
open reports by time left to their deadline and an account's history, and decides (confirm,
dismiss, reverse), each decision published on `review.decisions` for the enforcer to apply.
Its state is a SQL store (SQLite by default, PostgreSQL by URL) kept from the topics."""
