"""Readers: one module per input format; raw files in, model dataclasses out."""
