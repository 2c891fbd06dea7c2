"""greeter: a src/-layout package served by its own console script."""
__version__ = "1.2.0"
