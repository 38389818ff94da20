"""Bringing data and settings over from the system this project replaces ("smart-saw")."""
