"""The metric engine: registry (what each metric means), query language, rollups, answers."""
