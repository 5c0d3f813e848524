"""kentops: infrastructure as code and compliance for a municipal IT directorate."""

__version__ = "0.1.0"
