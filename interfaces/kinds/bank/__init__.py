"""Bank statement interfaces (import-formats §6 to §13): one module per format on `common`."""
