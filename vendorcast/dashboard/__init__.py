"""The local dashboard (the stand-in for QuickSight) and the definition both share."""
