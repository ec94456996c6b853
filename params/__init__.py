"""Default parameters of qualitylib, shipped inside the wheel as package data (this file makes the folder a package)."""
