"""vendorcast: a demand-forecasting data lake for Amazon first-party vendors."""

__version__ = "0.1.0"
