"""Static texts of the public pages (FAQ, documentation), kept apart from layout code."""
