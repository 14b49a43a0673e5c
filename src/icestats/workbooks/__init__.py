"""ICE detention statistics workbooks: find every table, store it tidy."""
