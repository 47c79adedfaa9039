"""Legal's review: marks that tie Word text to its source, reading returned drafts, the review register,
and writing accepted wording back into the sources."""
