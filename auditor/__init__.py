"""reference-auditor: audit the reference lists of scientific documents against PubMed and Crossref."""

__version__ = "0.1.0"
