"""Views floor: Russian texts and labels, number formats, colours and CSS, HTML tables, heatmaps,
bars and charts.

Uses the reports, rules and data floors.
"""
