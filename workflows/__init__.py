"""Workflow definitions, as data. The engine in app/engine compiles each into one state machine.

Add a workflow by writing a module with a DEFINITION dict and listing it in ALL.
"""
from workflows.dropout import DEFINITION as DROPOUT

ALL = [DROPOUT]
