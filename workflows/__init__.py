"""Workflow definitions, as data. The engine in app/engine compiles each into one state machine.

Add a workflow by writing a module with a DEFINITION dict and listing it in ALL. The first is the
default: a client that names no workflow (POST /api/v1/cases without "workflow") opens a dropout case.
"""
from workflows.dropout import DEFINITION as DROPOUT
from workflows.door_visit import DEFINITION as DOOR_VISIT
from workflows.placement import DEFINITION as PLACEMENT
from workflows.recheck import DEFINITION as RECHECK
from workflows.school_report import DEFINITION as SCHOOL_REPORT
from workflows.transfer import DEFINITION as TRANSFER

ALL = [DROPOUT, SCHOOL_REPORT, DOOR_VISIT, TRANSFER, PLACEMENT, RECHECK]
