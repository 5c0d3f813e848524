"""Local simulated devices and hosts for the kentops lab."""
