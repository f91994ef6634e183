"""File formats shared by exports and imports: column definitions (one source of truth for
templates, parsers, exports and the data dictionary), .NET-style date formats, and the CSV writer."""
