"""The county's quarterly re-check (抽查复验): draw a quarter's sample (bureau officer; 201, or 200 with
the earlier draw), and list a quarter's draw with each check's state."""
from flask import jsonify, request

from app import rechecks
from app.api import bp
from app.api.util import json_body
from app.auth.actor import current_actor
from app.engine.validation import validated_form
from forms.recheck import RecheckDrawForm


@bp.post("/rechecks/draw")
def draw_rechecks():
    body, actor = json_body(), current_actor()
    named = body.get("district") if isinstance(body, dict) else None
    rechecks.district_of(actor, named if isinstance(named, str) else None)  # 404 outside, 403 without the role
    form = validated_form(RecheckDrawForm, body)
    result, new = rechecks.draw(actor, form.quarter.data, form.district.data or None, form.share.data, form.seed.data)
    return jsonify(result), 201 if new else 200


@bp.get("/rechecks")
def list_rechecks():
    return jsonify(rechecks.listing(current_actor(), request.args.get("quarter", ""),
                                    request.args.get("district") or None))
