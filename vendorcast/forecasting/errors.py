"""The forecaster's input error, in a module of its own so that light importers (the run contract, the start
Lambda) need not load numpy and pandas to raise or catch it."""


class PanelError(ValueError):
    """A history, future table or setting the forecaster cannot use; the message says what to fix."""
