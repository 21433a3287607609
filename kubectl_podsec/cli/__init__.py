"""Thin click commands: parse flags, call the layers below, render, exit."""
