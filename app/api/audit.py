"""GET /audit/verify: recompute every case's hash chain and name the first broken event."""
from flask import jsonify, request

from app.audit import chain as audit
from app.api import bp
from app.api.util import int_arg, require_role
from app.auth.roles import CHAIN_VERIFY_ROLES


@bp.get("/audit/verify")
def verify_audit():
    require_role(*CHAIN_VERIFY_ROLES)
    case_id = int_arg("case", 0, 0, 2**31 - 1) if request.args.get("case") else None
    return jsonify(audit.verify(case_id))
