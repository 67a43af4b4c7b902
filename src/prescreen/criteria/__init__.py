"""The criteria language: models, parsing, checking and the two evaluation engines."""
