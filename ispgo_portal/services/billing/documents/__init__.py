"""PDF documents (ReportLab with a Cyrillic TrueType font): invoices, acts, reconciliation
statements. Renderers take plain data and return bytes; they read nothing from the database."""
