"""WTForms classes: the one schema for the HTML pages and the JSON API (see app.api.validation)."""
