"""Release files -> the store: read, map, normalize, de-duplicate, load."""
