"""Reading the project's sources: a safe YAML reader with lines, validation into the typed models,
messages people can act on, and the checks across files."""
