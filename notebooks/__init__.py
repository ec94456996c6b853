"""The workbench notebooks, shipped inside the wheel as package data (this file makes the folder a package)."""
