"""The shared vocabulary every layer may speak: the catalog fields vendorcast watches and the report catalogue.
It imports nothing of vendorcast, so config, the SP-API access, the pipeline and the emulator can all read it."""
