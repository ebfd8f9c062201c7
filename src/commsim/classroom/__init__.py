"""Classroom mode: students play residents and officials of a shared run while the model plays the rest."""
