"""Reports floor: builders that call the rules, apply privacy once and gather what a report shows.

Uses the rules and the data floors.
"""
