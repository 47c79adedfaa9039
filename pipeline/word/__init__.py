"""Word documents: rendering a template with docxtpl, Markdown as real Word formatting, and the final
pass (comments, core properties, deterministic zip)."""
