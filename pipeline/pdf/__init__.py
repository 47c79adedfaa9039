"""PDF work after conversion: reproducible bytes, and the merged, bookmarked packs."""
