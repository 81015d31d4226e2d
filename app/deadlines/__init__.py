"""Deadlines: the working-day calendar and the clocks a workflow opens, meets and cancels."""
