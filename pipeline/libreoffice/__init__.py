"""LibreOffice: finding it, and warm worker processes that convert Word documents to PDF/A."""
